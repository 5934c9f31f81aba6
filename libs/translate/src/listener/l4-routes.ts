// VirtualService `tcp:` and `tls:` routes → the clusters a TCP proxy filter forwards to.
import type { L4MatchAttributes, RouteDestination, TLSRoute } from '@mesh/api';
import { labelsMatch, resolveGatewayRef, type ResolvedVirtualService, type ServiceModel } from '@mesh/model';
import type { ProxyContext } from '../context.ts';
import { destinationCluster } from '../route/route-action.ts';
import { outboundClusterName } from '../util/names.ts';

function l4Applies(m: L4MatchAttributes, ctx: ProxyContext, gateway: string, port: number, ns: string): boolean {
  if (m.port !== undefined && m.port !== port) return false;
  if (m.sourceLabels && (gateway !== 'mesh' || !labelsMatch(m.sourceLabels, ctx.proxy.labels))) return false;
  if (m.sourceNamespace && m.sourceNamespace !== ctx.proxy.namespace) return false;
  if (m.gateways?.length && !m.gateways.map((g) => resolveGatewayRef(g, ns)).includes(gateway)) return false;
  return true;
}

function weighted(ctx: ProxyContext, route: readonly RouteDestination[], ns: string, port: number): Array<{ name: string; weight: number }> {
  const list = route.filter((d) => route.length === 1 || (d.weight ?? 0) > 0);
  return list.map((d) => ({ name: destinationCluster(ctx, d.destination, ns, port), weight: d.weight ?? 100 }));
}

/** Clusters of the first applicable `tcp` route of a VirtualService; undefined when none applies. */
export function vsTcpClusters(ctx: ProxyContext, vs: ResolvedVirtualService, port: number, gateway: string): Array<{ name: string; weight: number }> | undefined {
  for (const r of vs.resource.spec.tcp ?? []) {
    const applies = !r.match?.length || r.match.some((m) => l4Applies(m, ctx, gateway, port, vs.namespace));
    if (applies && r.route?.length) return weighted(ctx, r.route, vs.namespace, port);
  }
  return undefined;
}

/** Clusters for TCP traffic to `svc:port`: the first applicable VirtualService `tcp` route, else the service's own cluster. */
export function tcpClusters(ctx: ProxyContext, svc: ServiceModel, port: number, gateway = 'mesh'): Array<{ name: string; weight: number }> {
  const vs = ctx.virtualServiceForHost(gateway, svc.hostname);
  const fromVs = vs ? vsTcpClusters(ctx, vs, port, gateway) : undefined;
  if (fromVs) return fromVs;
  return [{ name: outboundClusterName(port, '', svc.hostname), weight: 100 }];
}

export interface TlsChain {
  readonly serverNames: readonly string[];
  readonly clusters: Array<{ name: string; weight: number }>;
}

/** SNI-matched chains from a VirtualService's `tls` routes for `port` through `gateway`. */
export function tlsChains(ctx: ProxyContext, vs: ResolvedVirtualService, port: number, gateway: string): TlsChain[] {
  const out: TlsChain[] = [];
  for (const r of vs.resource.spec.tls ?? ([] as TLSRoute[])) {
    for (const m of r.match) {
      if (!l4Applies(m, ctx, gateway, port, vs.namespace) || !r.route?.length) continue;
      out.push({ serverNames: m.sniHosts, clusters: weighted(ctx, r.route, vs.namespace, port) });
    }
  }
  return out;
}
