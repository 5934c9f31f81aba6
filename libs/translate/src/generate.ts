// The translation pipeline: (snapshot, proxy) → Envoy resources. The order of features is written down here and
// nowhere else; each step is a pure function in its own file.
//
// Sidecar (outbound-group.ts builds 1, 4, virtualOutbound and 6 once per group of sidecars that share them):
//           1 outbound clusters + EDS   (cluster/outbound-clusters.ts, endpoint/load-assignment.ts)
//           2 inbound clusters          (inbound-ports.ts, cluster/inbound-clusters.ts)
//           3 special clusters          (cluster/special-clusters.ts: BlackHole, Passthrough, InboundPassthrough)
//           4 per-port outbound listeners (listener/outbound-listeners.ts)
//           5 virtualOutbound, virtualInbound (listener/virtual-outbound.ts, listener/virtual-inbound.ts)
//           6 outbound route configurations (route/sidecar-routes.ts)
// Router:   1 outbound clusters + EDS, 2 BlackHoleCluster, 3 gateway listeners + routes (gateway/*), 4 SDS secrets
// gRPC:     grpc/grpc-generator.ts (API listeners, routes, EDS clusters)
import type { MeshSnapshot, Proxy } from '@mesh/model';
import { LayeredResources, type EnvoyJson } from '@mesh/xds';
import { buildInboundClusters } from './cluster/inbound-clusters.ts';
import { buildOutboundClusters } from './cluster/outbound-clusters.ts';
import { blackHoleCluster, inboundPassthroughCluster, passthroughCluster } from './cluster/special-clusters.ts';
import { proxyContext } from './context.ts';
import { buildGatewayListeners } from './gateway/gateway-listeners.ts';
import { generateGrpc } from './grpc/grpc-generator.ts';
import { inboundPorts } from './inbound-ports.ts';
import { buildVirtualInbound } from './listener/virtual-inbound.ts';
import { buildSecrets } from './secrets.ts';
import { generateOutbound, type OutboundConfig } from './outbound-group.ts';
import { byName } from './util/by-name.ts';

/** Generated resources by name, per xDS type. */
export interface GeneratedConfig {
  readonly clusters: ReadonlyMap<string, EnvoyJson>;
  readonly listeners: ReadonlyMap<string, EnvoyJson>;
  readonly routes: ReadonlyMap<string, EnvoyJson>;
  /** ClusterLoadAssignments by cluster name. */
  readonly endpoints: ReadonlyMap<string, EnvoyJson>;
  readonly secrets: ReadonlyMap<string, EnvoyJson>;
  /** Invalid config left out of the output, with the resource and field it concerns. */
  readonly errors: readonly string[];
}

/** Generates every resource `proxy` should receive from `snapshot`. Pure: same inputs, same output. */
export function generate(snapshot: MeshSnapshot, proxy: Proxy): GeneratedConfig {
  if (proxy.generator === 'grpc') {
    const ctx = proxyContext(snapshot, proxy);
    const g = generateGrpc(ctx);
    return { clusters: byName(g.clusters), listeners: byName(g.listeners), routes: byName(g.routes), endpoints: byName(g.endpoints, 'cluster_name'), secrets: new Map(), errors: [...new Set(ctx.errors)] };
  }
  if (proxy.type === 'router') {
    const ctx = proxyContext(snapshot, proxy);
    const outbound = buildOutboundClusters(ctx);
    const gw = buildGatewayListeners(ctx);
    return {
      clusters: byName([...outbound.clusters, blackHoleCluster(ctx)]),
      listeners: byName(gw.listeners),
      routes: byName(gw.routes),
      endpoints: byName(outbound.endpoints, 'cluster_name'),
      secrets: byName(buildSecrets(ctx, gw.credentials)),
      errors: [...new Set(ctx.errors)],
    };
  }
  return generateWithOutbound(snapshot, proxy, generateOutbound(snapshot, proxy));
}

/**
 * Completes a sidecar's config from its (possibly shared) outbound part: adds the inbound clusters, the fixed
 * clusters and virtualInbound. The result equals `generate(snapshot, proxy)` when `outbound` was built for a proxy
 * with the same outboundGroupKey. The outbound part's maps are shared, not copied: endpoints and routes are them,
 * clusters and listeners layer the proxy's own resources over them.
 */
export function generateWithOutbound(snapshot: MeshSnapshot, proxy: Proxy, outbound: OutboundConfig): GeneratedConfig {
  const ctx = proxyContext(snapshot, proxy);
  const ports = inboundPorts(ctx);
  const ownClusters = [...buildInboundClusters(ctx, ports), blackHoleCluster(ctx), passthroughCluster(ctx), inboundPassthroughCluster(ctx)];
  const clusters = new LayeredResources(outbound.clusters, ownClusters.flatMap((c) => (typeof c['name'] === 'string' ? [[c['name'], c] as const] : [])));
  const inboundErrors = ctx.errors.splice(0);
  const virtualInbound = proxy.interceptionMode === 'NONE' ? undefined : buildVirtualInbound(ctx, ports);
  const vi = typeof virtualInbound?.['name'] === 'string' ? [[virtualInbound['name'], virtualInbound] as const] : [];
  const listeners = new LayeredResources(outbound.listeners, vi);
  const errors = [...outbound.errors.clusters, ...inboundErrors, ...outbound.errors.listeners, ...ctx.errors, ...outbound.errors.routes];
  return { clusters, listeners, routes: outbound.routes, endpoints: outbound.endpoints, secrets: new Map(), errors: [...new Set(errors)] };
}
