// Gateway RDS: `http.<port>` (and `https.<port>.<name>.<gw>.<ns>`) with one virtual host per exposed host of each
// VirtualService bound to the gateway; `blackhole:<port>` (404) when nothing is bound.
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { translateVirtualServiceRoutes } from '../route/http-route.ts';
import { exposedHosts, type GatewayServer } from './gateway-servers.ts';

/** Builds a gateway RouteConfiguration named `name` for the given servers (all on `port`). */
export function buildGatewayRouteConfig(ctx: ProxyContext, name: string, port: number, servers: readonly GatewayServer[]): EnvoyJson {
  const vhosts = new Map<string, EnvoyJson>();
  const redirect = servers.some((s) => s.server.tls?.httpsRedirect);
  for (const s of servers) {
    for (const vs of ctx.virtualServices(s.gatewayRef)) {
      const hosts = exposedHosts(s, vs);
      if (hosts.length === 0) continue;
      const routes = translateVirtualServiceRoutes(ctx, vs, s.gatewayRef, s.server.port.number);
      if (routes.length === 0) continue;
      for (const h of hosts) {
        const vhName = `${h}:${port}`;
        const existing = vhosts.get(vhName);
        if (existing) {
          (existing['routes'] as EnvoyJson[]).push(...routes);
          continue;
        }
        const vh: EnvoyJson = { name: vhName, domains: h === '*' ? ['*'] : [h, `${h}:*`], routes: [...routes], include_request_attempt_count: true };
        if (redirect) vh['require_tls'] = 'ALL';
        vhosts.set(vhName, vh);
      }
    }
  }
  const list = [...vhosts.values()];
  if (list.length === 0) {
    list.push({
      name: `blackhole:${port}`,
      domains: ['*'],
      routes: [{ name: 'default', match: { prefix: '/' }, direct_response: { status: 404 } }],
      include_request_attempt_count: true,
    });
  }
  // Specific hosts before wildcards, like upstream's sort.
  list.sort((a, b) => {
    const an = String(a['name']);
    const bn = String(b['name']);
    const aw = an.startsWith('*') ? 1 : 0;
    const bw = bn.startsWith('*') ? 1 : 0;
    return aw - bw || (an < bn ? -1 : an > bn ? 1 : 0);
  });
  return { name, virtual_hosts: list, validate_clusters: false, max_direct_response_body_size_bytes: 1048576 };
}
