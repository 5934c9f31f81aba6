// Gateway servers of a router proxy, grouped by listener port, with their host patterns parsed.
import type { Gateway, Server } from '@mesh/api';
import { hostMatches, type ResolvedVirtualService } from '@mesh/model';
import type { ProxyContext } from '../context.ts';

export interface GatewayServer {
  readonly gateway: Gateway;
  /** `ns/name` */
  readonly gatewayRef: string;
  readonly server: Server;
  readonly port: number;
  /** Hosts with their namespace restriction (`*` = any). */
  readonly hosts: ReadonlyArray<{ namespace: string; host: string }>;
  readonly kind: 'http' | 'https' | 'passthrough' | 'tcp';
}

function serverKind(s: Server): GatewayServer['kind'] {
  const p = s.port.protocol.toUpperCase();
  if (p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB') return 'http';
  if ((p === 'HTTPS' || p === 'TLS') && (s.tls?.mode === 'PASSTHROUGH' || s.tls?.mode === 'AUTO_PASSTHROUGH')) return 'passthrough';
  if (p === 'HTTPS') return 'https';
  if (p === 'TLS' && s.tls) return 'passthrough';
  return 'tcp';
}

/** Servers of the gateways selecting this proxy, sorted by port. */
export function gatewayServers(ctx: ProxyContext): GatewayServer[] {
  const out: GatewayServer[] = [];
  for (const gw of ctx.snapshot.gatewaysFor(ctx.proxy)) {
    const ns = gw.metadata.namespace ?? 'default';
    for (const server of gw.spec.servers ?? []) {
      out.push({
        gateway: gw,
        gatewayRef: `${ns}/${gw.metadata.name}`,
        server,
        port: server.port.targetPort ?? server.port.number,
        hosts: server.hosts.map((h) => {
          const slash = h.indexOf('/');
          if (slash < 0) return { namespace: '*', host: h };
          const hns = h.slice(0, slash);
          return { namespace: hns === '.' ? ns : hns, host: h.slice(slash + 1) };
        }),
        kind: serverKind(server),
      });
    }
  }
  return out.sort((a, b) => a.port - b.port);
}

/** The hosts of a VirtualService a server exposes: the more specific of each matching (server host, VS host) pair. */
export function exposedHosts(server: GatewayServer, vs: ResolvedVirtualService): string[] {
  const out: string[] = [];
  for (const sh of server.hosts) {
    if (sh.namespace !== '*' && sh.namespace !== vs.namespace) continue;
    for (const vh of vs.hosts) {
      const h = hostMatches(sh.host, vh) ? vh : hostMatches(vh, sh.host) ? sh.host : undefined;
      if (h && !out.includes(h)) out.push(h);
    }
  }
  return out;
}

/** RDS name for a terminated HTTPS server: `https.<port>.<portName>.<gateway>.<namespace>`. */
export function httpsRouteName(s: GatewayServer): string {
  return `https.${s.server.port.number}.${s.server.port.name}.${s.gateway.metadata.name}.${s.gateway.metadata.namespace ?? 'default'}`;
}
