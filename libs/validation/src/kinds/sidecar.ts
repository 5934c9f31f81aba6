// Sidecar (upstream ValidateSidecar).
import type { ResourceContext } from '../context.ts';
import { checkFQDN, checkNamespaceSlashHost } from '../hosts.ts';
import { checkIP } from '../ip.ts';
import type { Report } from '../issues.ts';
import { validateSelectorLabels } from '../labels.ts';
import { checkPort, checkProtocol, isHTTPProtocol } from '../ports.ts';
import { validateServerTLS } from '../tls.ts';
import { validateConnectionPool } from '../traffic-policy.ts';
import type { Obj } from '../values.ts';
import { arr, bool, has, len, num, obj, str, strList } from '../values.ts';
import { checkUnixAddress } from './gateway.ts';
import { checkPortName } from './workload-entry.ts';
import { validateDestination } from './route-destination.ts';

const LOCAL_HOSTS = new Set(['', '127.0.0.1', '0.0.0.0', '::1', '::']);

function splitHostPort(value: string): { host: string; port: string } | undefined {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0 || value[end + 1] !== ':') return undefined;
    return { host: value.slice(1, end), port: value.slice(end + 2) };
  }
  const colon = value.lastIndexOf(':');
  if (colon < 0) return undefined;
  const host = value.slice(0, colon);
  if (host.includes(':')) return undefined;
  return { host, port: value.slice(colon + 1) };
}

function validateDefaultEndpoint(r: Report, path: string, endpoint: string): void {
  if (endpoint.startsWith('unix://')) {
    r.check(path, checkUnixAddress(endpoint.slice('unix://'.length)));
    return;
  }
  const hp = splitHostPort(endpoint);
  if (!hp) {
    r.error(path, `address ${endpoint}: missing port in address`);
    return;
  }
  if (!LOCAL_HOSTS.has(hp.host)) {
    r.error(path, 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset');
  }
  if (!/^[+-]?\d+$/.test(hp.port)) r.error(path, `sidecar: defaultEndpoint port (${hp.port}) is not a number`);
  else r.check(path, checkPort(Number(hp.port)));
}

function validatePortAndBind(r: Report, path: string, port: Obj, bind: string): void {
  const name = str(port['name']);
  if (name.length > 0) r.check(`${path}.port.name`, checkPortName(name));
  r.check(`${path}.port.protocol`, checkProtocol(str(port['protocol'])));
  r.check(`${path}.port.number`, checkPort(num(port['number'])));
  if (bind !== '') r.check(`${path}.bind`, checkIP(bind));
}

function validateIngress(r: Report, spec: Obj): void {
  const seen = new Set<number>();
  (arr(spec['ingress']) ?? []).forEach((item, i) => {
    const path = `spec.ingress[${i}]`;
    const ingress = obj(item);
    if (!ingress) {
      r.error(path, 'sidecar: ingress may not be null');
      return;
    }
    const port = obj(ingress['port']);
    if (!port) {
      r.error(`${path}.port`, 'sidecar: port is required for ingress listeners');
      return;
    }
    if (num(port['targetPort']) > 0) r.error(`${path}.port.targetPort`, 'targetPort has no impact on Sidecars');
    validatePortAndBind(r, path, port, str(ingress['bind']));
    const number = num(port['number']);
    if (seen.has(number)) r.error(`${path}.port.number`, 'sidecar: ports on IP bound listeners must be unique');
    seen.add(number);
    const endpoint = str(ingress['defaultEndpoint']);
    if (endpoint !== '') validateDefaultEndpoint(r, `${path}.defaultEndpoint`, endpoint);
    const tls = obj(ingress['tls']);
    if (tls) {
      const tp = `${path}.tls`;
      if (len(tls['subjectAltNames']) > 0) r.error(`${tp}.subjectAltNames`, 'sidecar: subjectAltNames is not supported in ingress tls');
      if (bool(tls['httpsRedirect'])) r.error(`${tp}.httpsRedirect`, 'sidecar: httpsRedirect is not supported');
      if (str(tls['credentialName'])) r.error(`${tp}.credentialName`, 'sidecar: credentialName is not currently supported');
      if (strList(tls['credentialNames']).length > 0) r.error(`${tp}.credentialNames`, 'sidecar: credentialNames is not currently supported');
      if (len(tls['tlsCertificates']) > 0) r.error(`${tp}.tlsCertificates`, 'sidecar: tlsCertificates is not currently supported');
      const mode = str(tls['mode']);
      if (mode === 'ISTIO_MUTUAL' || mode === 'AUTO_PASSTHROUGH') {
        r.error(`${tp}.mode`, `configuration is invalid: cannot set mode to ${mode} in sidecar ingress tls`);
      }
      const protocol = str(port['protocol']).toUpperCase();
      if (protocol !== 'TLS' && protocol !== 'HTTPS') {
        r.error(`${path}.port.protocol`, `sidecar: ingress tls is only supported on TLS or HTTPS ports, found "${str(port['protocol'])}"`);
      }
      validateServerTLS(r, tp, tls);
    }
    validateConnectionPool(r, `${path}.connectionPool`, ingress['connectionPool']);
    const pool = obj(ingress['connectionPool']);
    if (pool && has(pool, 'http') && !isHTTPProtocol(str(port['protocol']))) {
      r.warn(`${path}.connectionPool.http`, `sidecar: HTTP connection pool settings are configured for port ${number} ("${str(port['name'])}") but its protocol is not HTTP (${str(port['protocol'])}); only TCP settings will apply`);
    }
  });
}

function validateEgressHosts(r: Report, path: string, hosts: string[], namespace: string): void {
  if (hosts.length === 0) {
    r.error(`${path}.hosts`, 'sidecar: egress listener must contain at least one host');
    return;
  }
  const byNs = new Map<string, Set<string>>();
  hosts.forEach((hostname, i) => {
    const slash = hostname.indexOf('/');
    // `~ns/...` entries exclude a namespace; they neither duplicate nor conflict with other hosts.
    if (slash >= 0 && !(hostname.startsWith('~') && slash > 1)) {
      const ns = hostname.slice(0, slash) === '.' ? namespace : hostname.slice(0, slash);
      const svc = hostname.slice(slash + 1);
      const svcs = byNs.get(ns) ?? new Set<string>();
      byNs.set(ns, svcs);
      if (svc !== '*' ? svcs.has(svc) || svcs.has('*') : svcs.size !== 0) {
        r.warn(`${path}.hosts[${i}]`, `duplicated egress host: ${hostname}`);
      }
      svcs.add(svc);
    }
    for (const msg of checkNamespaceSlashHost(hostname, false, false)) r.error(`${path}.hosts[${i}]`, msg);
  });
  if (byNs.get('*')?.has('*') && byNs.size !== 1) {
    r.warn(`${path}.hosts`, '`*/*` host select all resources, no other hosts can be added');
  }
}

function validateEgress(r: Report, spec: Obj, namespace: string): void {
  const egress = arr(spec['egress']) ?? [];
  const ports = new Set<number>();
  const uds = new Set<string>();
  let catchAll = false;
  egress.forEach((item, i) => {
    const path = `spec.egress[${i}]`;
    const listener = obj(item);
    if (!listener) {
      r.error(path, 'egress listener may not be null');
      return;
    }
    const port = obj(listener['port']);
    if (!port) {
      if (catchAll) {
        r.error(path, 'sidecar: egress can have only one listener with empty port');
        return;
      }
      if (i === egress.length - 1) catchAll = true;
      else r.error(path, 'sidecar: the egress listener with empty port should be the last listener in the list');
    } else {
      if (num(port['targetPort']) > 0) r.error(`${path}.port.targetPort`, 'targetPort has no impact on Sidecars');
      const bind = str(listener['bind']);
      const number = num(port['number']);
      if (number === 0) {
        const name = str(port['name']);
        if (name.length > 0) r.check(`${path}.port.name`, checkPortName(name));
        r.check(`${path}.port.protocol`, checkProtocol(str(port['protocol'])));
        if (!bind.startsWith('unix://')) r.error(`${path}.bind`, 'sidecar: ports with 0 value must have a unix domain socket bind address');
        else r.check(`${path}.bind`, checkUnixAddress(bind.slice('unix://'.length)));
        const mode = str(listener['captureMode']) || 'DEFAULT';
        if (mode !== 'DEFAULT' && mode !== 'NONE') r.error(`${path}.captureMode`, 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners');
        if (uds.has(bind)) r.error(`${path}.bind`, 'sidecar: unix domain socket values for listeners must be unique');
        uds.add(bind);
      } else {
        validatePortAndBind(r, path, port, bind);
        if (ports.has(number)) r.error(`${path}.port.number`, 'sidecar: ports on IP bound listeners must be unique');
        ports.add(number);
      }
    }
    validateEgressHosts(r, path, strList(listener['hosts']), namespace);
  });
}

function validateOutboundTrafficPolicy(r: Report, value: unknown): void {
  const tp = obj(value);
  if (!tp) return;
  const mode = str(tp['mode']) || 'REGISTRY_ONLY';
  if (mode === 'ALLOW_ANY_DYNAMIC_DNS') {
    r.error('spec.outboundTrafficPolicy.mode', 'sidecar: ALLOW_ANY_DYNAMIC_DNS is only supported in MeshConfig');
  }
  const proxy = obj(tp['egressProxy']);
  if (!proxy) return;
  const path = 'spec.outboundTrafficPolicy.egressProxy';
  if (mode !== 'ALLOW_ANY') {
    r.error(path, 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode');
    return;
  }
  r.check(`${path}.host`, checkFQDN(str(proxy['host'])));
  if (!has(proxy, 'port')) {
    r.error(`${path}.port`, 'sidecar: egress_proxy port must be non-nil');
    return;
  }
  validateDestination(r, path, proxy);
}

/** Validates a Sidecar spec. */
export function validateSidecar(r: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  if (has(spec, 'workloadSelector')) {
    const before = r.errors.length;
    validateSelectorLabels(r, 'spec.workloadSelector.labels', obj(spec['workloadSelector'])?.['labels'],
      'sidecar: workload selector specified without labels, will be applied to all services in namespace');
    if (r.errors.length > before) return;
  }
  if (len(spec['egress']) === 0 && len(spec['ingress']) === 0 && !has(spec, 'outboundTrafficPolicy') && !has(spec, 'inboundConnectionPool')) {
    r.error('spec', 'sidecar: empty configuration provided');
    return;
  }
  validateIngress(r, spec);
  validateConnectionPool(r, 'spec.inboundConnectionPool', spec['inboundConnectionPool']);
  validateEgress(r, spec, ctx.namespace);
  validateOutboundTrafficPolicy(r, spec['outboundTrafficPolicy']);
}
