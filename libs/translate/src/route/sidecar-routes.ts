// Sidecar outbound RDS: RouteConfiguration `"<port>"` with a virtual host per HTTP service on that port (routes from
// the VirtualService bound to `mesh`, else the default route), then the catch-all.
import { isHttp, type ServiceModel } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { outboundClusterName } from '../util/names.ts';
import { translateVirtualServiceRoutes } from './http-route.ts';
import { defaultRouteAction, destinationLb } from './route-action.ts';
import { catchAllVirtualHost, serviceDomains } from './virtual-hosts.ts';

/** The default route of a service without VirtualService routes for the port. */
export function defaultRoute(ctx: ProxyContext, svc: ServiceModel, port: number): EnvoyJson {
  const cluster = outboundClusterName(port, '', svc.hostname);
  const lb = destinationLb(ctx, { host: svc.hostname, port: { number: port } }, svc.namespace, port);
  return {
    name: 'default',
    match: { prefix: '/' },
    route: defaultRouteAction(cluster, lb),
    decorator: { operation: `${svc.hostname}:${port}/*` },
  };
}

/** Routes for one service on one port: its mesh VirtualService's, or the default. */
export function serviceRoutes(ctx: ProxyContext, svc: ServiceModel, port: number): EnvoyJson[] {
  const vs = ctx.virtualServiceForHost('mesh', svc.hostname);
  if (vs) {
    const routes = translateVirtualServiceRoutes(ctx, vs, 'mesh', port);
    if (routes.length > 0) return routes;
  }
  return [defaultRoute(ctx, svc, port)];
}

/** Services with an HTTP port `port` the proxy sees. */
export function httpServicesOnPort(ctx: ProxyContext, port: number): ServiceModel[] {
  return ctx.services.filter((s) => s.ports.some((p) => p.port === port && isHttp(p.protocol)) && ctx.portVisible(s, port));
}

/** RouteConfiguration `"<port>"`. */
export function buildSidecarRouteConfig(ctx: ProxyContext, port: number): EnvoyJson {
  const seen = new Set<string>();
  const vhosts: EnvoyJson[] = [];
  for (const svc of httpServicesOnPort(ctx, port)) {
    const domains = serviceDomains(svc, ctx).filter((d) => !seen.has(d));
    domains.forEach((d) => seen.add(d));
    if (domains.length === 0) continue;
    vhosts.push({ name: `${svc.hostname}:${port}`, domains, routes: serviceRoutes(ctx, svc, port), include_request_attempt_count: true });
  }
  vhosts.push(catchAllVirtualHost(ctx));
  return {
    name: String(port),
    virtual_hosts: vhosts,
    validate_clusters: false,
    max_direct_response_body_size_bytes: 1048576,
    ignore_port_in_host_matching: true,
  };
}

/** RouteConfiguration `<host>:<port>` for a protocol-sniffed service port: that service only, domain `*`. */
export function buildSniffedRouteConfig(ctx: ProxyContext, svc: ServiceModel, port: number): EnvoyJson {
  return {
    name: `${svc.hostname}:${port}`,
    virtual_hosts: [{ name: `${svc.hostname}:${port}`, domains: ['*'], routes: serviceRoutes(ctx, svc, port), include_request_attempt_count: true }],
    validate_clusters: false,
    max_direct_response_body_size_bytes: 1048576,
    ignore_port_in_host_matching: true,
  };
}
