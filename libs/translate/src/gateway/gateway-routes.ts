// Gateway RDS: `http.<port>[.<bind>]` (and `https.<port>.<name>.<gw>.<ns>[.<bind>]`) with one virtual host per exposed
// host of each VirtualService bound to the gateway, named `<host>:<server port>`; servers with httpsRedirect get
// `require_tls: ALL`; `blackhole:<port>` (no routes → 404) when nothing is bound.
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { translateVirtualServiceRoutes } from '../route/http-route.ts';
import { exposedHosts, type GatewayServer } from './gateway-servers.ts';

function vhostDomains(host: string): string[] {
  return host === '*' ? ['*'] : [host, `${host}:*`];
}

/** Builds a gateway RouteConfiguration named `name` for the given servers (all on one listener). */
export function buildGatewayRouteConfig(ctx: ProxyContext, name: string, servers: readonly GatewayServer[]): EnvoyJson {
  const vhosts = new Map<string, EnvoyJson>();
  for (const s of servers) {
    const port = s.server.port.number;
    const redirect = s.server.tls?.httpsRedirect === true;
    for (const vs of ctx.virtualServices(s.gatewayRef)) {
      const hosts = exposedHosts(s, vs);
      if (hosts.length === 0) continue;
      const routes = translateVirtualServiceRoutes(ctx, vs, s.gatewayRef, port);
      for (const h of hosts) {
        const existing = vhosts.get(h);
        if (existing) {
          (existing['routes'] as EnvoyJson[]).push(...routes);
          if (redirect) existing['require_tls'] = 'ALL';
          continue;
        }
        const vh: EnvoyJson = { name: `${h}:${port}`, domains: vhostDomains(h), routes: [...routes], include_request_attempt_count: true };
        if (redirect) vh['require_tls'] = 'ALL';
        vhosts.set(h, vh);
      }
    }
    // A redirecting server answers for its hosts even without a VirtualService.
    if (redirect) {
      for (const { host } of s.hosts) {
        if (vhosts.has(host)) continue;
        vhosts.set(host, { name: `${host}:${port}`, domains: vhostDomains(host), include_request_attempt_count: true, require_tls: 'ALL' });
      }
    }
  }
  const list = [...vhosts.values()];
  if (list.length === 0) list.push({ name: `blackhole:${servers[0]?.server.port.number ?? 0}`, domains: ['*'] });
  // Specific hosts before wildcards, then by name, so the output is stable.
  list.sort((a, b) => {
    const an = String(a['name']);
    const bn = String(b['name']);
    const aw = an.startsWith('*') ? 1 : 0;
    const bw = bn.startsWith('*') ? 1 : 0;
    return aw - bw || (an < bn ? -1 : an > bn ? 1 : 0);
  });
  return { name, virtual_hosts: list, validate_clusters: false };
}
