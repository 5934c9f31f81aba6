// The translation pipeline: (snapshot, proxy) → Envoy resources. The order of features is written down here and
// nowhere else; each step is a pure function in its own file.
//
// Sidecar:  1 outbound clusters + EDS   (cluster/outbound-clusters.ts, endpoint/load-assignment.ts)
//           2 inbound clusters          (inbound-ports.ts, cluster/inbound-clusters.ts)
//           3 special clusters          (cluster/special-clusters.ts: BlackHole, Passthrough, InboundPassthrough)
//           4 per-port outbound listeners (listener/outbound-listeners.ts)
//           5 virtualOutbound, virtualInbound (listener/virtual-outbound.ts, listener/virtual-inbound.ts)
//           6 outbound route configurations (route/sidecar-routes.ts)
// Router:   1 outbound clusters + EDS, 2 BlackHoleCluster, 3 gateway listeners + routes (gateway/*), 4 SDS secrets
// gRPC:     grpc/grpc-generator.ts (API listeners, routes, EDS clusters)
import type { MeshSnapshot, Proxy } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import { buildInboundClusters } from './cluster/inbound-clusters.ts';
import { buildOutboundClusters } from './cluster/outbound-clusters.ts';
import { blackHoleCluster, inboundPassthroughCluster, passthroughCluster } from './cluster/special-clusters.ts';
import { proxyContext } from './context.ts';
import { buildGatewayListeners } from './gateway/gateway-listeners.ts';
import { generateGrpc } from './grpc/grpc-generator.ts';
import { inboundPorts } from './inbound-ports.ts';
import { buildOutboundListeners } from './listener/outbound-listeners.ts';
import { buildVirtualInbound } from './listener/virtual-inbound.ts';
import { buildVirtualOutbound } from './listener/virtual-outbound.ts';
import { buildSecrets } from './secrets.ts';
import { buildSidecarRouteConfig, buildSniffedRouteConfig } from './route/sidecar-routes.ts';

/** Generated resources by name, per xDS type. */
export interface GeneratedConfig {
  readonly clusters: Map<string, EnvoyJson>;
  readonly listeners: Map<string, EnvoyJson>;
  readonly routes: Map<string, EnvoyJson>;
  /** ClusterLoadAssignments by cluster name. */
  readonly endpoints: Map<string, EnvoyJson>;
  readonly secrets: Map<string, EnvoyJson>;
  /** Invalid config left out of the output, with the resource and field it concerns. */
  readonly errors: readonly string[];
}

function byName(list: readonly EnvoyJson[], key = 'name'): Map<string, EnvoyJson> {
  const m = new Map<string, EnvoyJson>();
  for (const r of list) {
    const name = r[key];
    if (typeof name === 'string' && !m.has(name)) m.set(name, r);
  }
  return m;
}

/** Generates every resource `proxy` should receive from `snapshot`. Pure: same inputs, same output. */
export function generate(snapshot: MeshSnapshot, proxy: Proxy): GeneratedConfig {
  const ctx = proxyContext(snapshot, proxy);
  if (proxy.generator === 'grpc') {
    const g = generateGrpc(ctx);
    return { clusters: byName(g.clusters), listeners: byName(g.listeners), routes: byName(g.routes), endpoints: byName(g.endpoints, 'cluster_name'), secrets: new Map(), errors: [...new Set(ctx.errors)] };
  }
  const outbound = buildOutboundClusters(ctx);
  if (proxy.type === 'router') {
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
  const ports = inboundPorts(ctx);
  const clusters = [...outbound.clusters, ...buildInboundClusters(ctx, ports), blackHoleCluster(ctx), passthroughCluster(ctx), inboundPassthroughCluster(ctx)];
  const out = buildOutboundListeners(ctx);
  const listeners = [...out.listeners];
  if (proxy.interceptionMode !== 'NONE') listeners.push(buildVirtualOutbound(ctx), buildVirtualInbound(ctx, ports));
  const routes = [...out.httpPorts.map((p) => buildSidecarRouteConfig(ctx, p)), ...out.sniffed.map((s) => buildSniffedRouteConfig(ctx, s.service, s.port))];
  return { clusters: byName(clusters), listeners: byName(listeners), routes: byName(routes), endpoints: byName(outbound.endpoints, 'cluster_name'), secrets: new Map(), errors: [...new Set(ctx.errors)] };
}
