// Gateway (upstream ValidateGateway).
import type { ResourceContext } from '../context.ts';
import { checkNamespaceSlashHost, isDNS1123Label } from '../hosts.ts';
import { checkIP } from '../ip.ts';
import type { Report } from '../issues.ts';
import { checkPort, isHTTPProtocol, isTLSProtocol, parseProtocol } from '../ports.ts';
import { validateServerTLS } from '../tls.ts';
import type { Obj } from '../values.ts';
import { arr, bool, num, obj, str } from '../values.ts';

/** Checks a unix domain socket path (after `unix://`): absolute file path or abstract `@name`. */
export function checkUnixAddress(addr: string): string | undefined {
  if (addr.length === 0) return 'unix address must not be empty';
  if (addr.startsWith('@')) return undefined;
  if (!addr.startsWith('/') || addr.endsWith('/')) return `${addr} is not an absolute path to a file`;
  return undefined;
}

function validateServerPort(r: Report, path: string, port: Obj | undefined, bind: string): boolean {
  if (!port) {
    r.error(path, 'port is required');
    return false;
  }
  const before = r.errors.length;
  const protocol = str(port['protocol']);
  if (parseProtocol(protocol) === 'unsupported') {
    r.error(`${path}.protocol`, `invalid protocol "${protocol}", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
  }
  const number = num(port['number']);
  if (number > 0 || !bind.startsWith('unix://')) r.check(`${path}.number`, checkPort(number));
  if (num(port['targetPort']) > 0) r.error(`${path}.targetPort`, 'targetPort has no impact on Gateways');
  if (str(port['name']) === '') r.error(`${path}.name`, 'port name must be set');
  return r.errors.length === before;
}

function validateServer(r: Report, path: string, server: Obj, gatewaySemantics: boolean): void {
  const hosts = arr(server['hosts']) ?? [];
  if (hosts.length === 0) r.error(`${path}.hosts`, 'server config must contain at least one host');
  hosts.forEach((h, i) => {
    for (const msg of checkNamespaceSlashHost(str(h), true, gatewaySemantics)) r.error(`${path}.hosts[${i}]`, msg);
  });
  const port = obj(server['port']);
  const bind = str(server['bind']);
  const portOk = validateServerPort(r, `${path}.port`, port, bind);
  if (bind.startsWith('unix://')) {
    r.check(`${path}.bind`, checkUnixAddress(bind.slice('unix://'.length)));
    if (port && num(port['number']) !== 0) r.error(`${path}.bind`, 'port number must be 0 for unix domain socket');
  } else if (bind !== '') {
    r.check(`${path}.bind`, checkIP(bind));
  }
  validateServerTLS(r, `${path}.tls`, server['tls']);
  if (!portOk || !port) return;
  const protocol = str(port['protocol']);
  const tls = obj(server['tls']);
  if (isTLSProtocol(protocol) && !tls) {
    r.error(`${path}.tls`, 'server must have TLS settings for HTTPS/TLS protocols');
  } else if (!isTLSProtocol(protocol) && tls) {
    if (isHTTPProtocol(protocol)) {
      const mode = str(tls['mode']) || 'PASSTHROUGH';
      const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
      if (!passthrough || str(tls['caCertificates']) || str(tls['privateKey']) || str(tls['serverCertificate'])) {
        r.error(`${path}.tls`, 'server cannot have TLS settings for plain text HTTP ports');
      }
    } else {
      r.error(`${path}.tls`, 'server cannot have TLS settings for non HTTPS/TLS ports');
    }
  }
}

/** Validates a Gateway: name, servers, ports, hosts and TLS. */
export function validateGateway(r: Report, ctx: ResourceContext): void {
  const gatewaySemantics = ctx.annotations['internal.istio.io/gateway-semantics'] === 'gateway';
  if (!isDNS1123Label(ctx.name) && !gatewaySemantics) r.error('metadata.name', `invalid gateway name: "${ctx.name}"`);
  const servers = arr(ctx.spec['servers']) ?? [];
  if (servers.length === 0) r.error('spec.servers', 'gateway must have at least one server');
  const portNames = new Set<string>();
  servers.forEach((item, i) => {
    const path = `spec.servers[${i}]`;
    const server = obj(item);
    if (!server) {
      r.error(path, 'server may not be nil');
      return;
    }
    validateServer(r, path, server, gatewaySemantics);
    const port = obj(server['port']);
    if (port) {
      const name = str(port['name']);
      if (portNames.has(name)) r.error(`${path}.port.name`, `port names in servers must be unique: duplicate name ${name}`);
      portNames.add(name);
      if (!isHTTPProtocol(str(port['protocol'])) && bool(obj(server['tls'])?.['httpsRedirect'])) {
        r.warn(`${path}.tls.httpsRedirect`, 'tls.httpsRedirect should only be used with http servers');
      }
    }
  });
}
