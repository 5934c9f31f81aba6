// Proxyless gRPC (node metadata GENERATOR=grpc): what upstream's grpcgen sends — an API listener per service port
// named `<host>:<port>` pointing at RDS of the same name, EDS clusters, and inbound server listeners
// `xds.istio.io/grpc/lds/inbound/<ip>:<port>` for the ports the workload serves.
import type { EnvoyJson } from '@mesh/xds';
import { buildOutboundClusters } from '../cluster/outbound-clusters.ts';
import type { ProxyContext } from '../context.ts';
import { inboundPorts } from '../inbound-ports.ts';
import { serviceRoutes } from '../route/sidecar-routes.ts';
import { serviceDomains } from '../route/virtual-hosts.ts';
import { socketAddress, T } from '../util/envoy.ts';
import { domainName } from '../util/names.ts';

export interface GrpcResources {
  readonly listeners: EnvoyJson[];
  readonly routes: EnvoyJson[];
  readonly clusters: EnvoyJson[];
  readonly endpoints: EnvoyJson[];
}

const routerFilter = { name: 'envoy.filters.http.router', typed_config: { '@type': T.router } };
// As upstream's grpcgen: the fault filter precedes the router, so routes' fault overrides take effect in gRPC.
const faultFilter = { name: 'envoy.filters.http.fault', typed_config: { '@type': T.fault } };

/** Keeps only what gRPC's xDS client understands in a cluster (no Envoy-only options). */
function grpcCluster(c: EnvoyJson): EnvoyJson {
  const out: EnvoyJson = { name: c['name'], type: c['type'] === 'EDS' ? 'EDS' : c['type'] };
  if (c['eds_cluster_config']) out['eds_cluster_config'] = { eds_config: { ads: {} }, service_name: c['name'] };
  out['lb_policy'] = c['lb_policy'] === 'RING_HASH' ? 'RING_HASH' : 'ROUND_ROBIN';
  if (c['ring_hash_lb_config']) out['ring_hash_lb_config'] = c['ring_hash_lb_config'];
  if (c['circuit_breakers']) out['circuit_breakers'] = c['circuit_breakers'];
  if (c['outlier_detection']) out['outlier_detection'] = c['outlier_detection'];
  if (c['load_assignment']) out['load_assignment'] = c['load_assignment'];
  if (c['metadata']) out['metadata'] = c['metadata'];
  return out;
}

/** gRPC's xDS client rejects per-route configs of filters it does not implement: keep only fault injection. */
function grpcRoute(route: EnvoyJson): EnvoyJson {
  const perFilter = route['typed_per_filter_config'] as EnvoyJson | undefined;
  if (!perFilter) return route;
  const kept = Object.fromEntries(Object.entries(perFilter).filter(([name]) => name === 'envoy.filters.http.fault'));
  const { typed_per_filter_config: _dropped, ...rest } = route;
  return Object.keys(kept).length > 0 ? { ...rest, typed_per_filter_config: kept } : rest;
}

export function generateGrpc(ctx: ProxyContext): GrpcResources {
  const listeners: EnvoyJson[] = [];
  const routes: EnvoyJson[] = [];
  for (const svc of ctx.services) {
    for (const p of svc.ports) {
      if (p.protocol === 'UDP' || !ctx.portVisible(svc, p.port)) continue;
      const name = domainName(svc.hostname, p.port);
      listeners.push({
        name,
        api_listener: {
          api_listener: { '@type': T.hcm, rds: { config_source: { ads: {} }, route_config_name: name }, http_filters: [faultFilter, routerFilter] },
        },
      });
      routes.push({
        name,
        virtual_hosts: [{ name, domains: serviceDomains(svc, ctx, p.port), routes: serviceRoutes(ctx, svc, p.port).map(grpcRoute) }],
      });
    }
  }
  const ip = ctx.proxy.ipAddresses[0] ?? '0.0.0.0';
  for (const p of inboundPorts(ctx)) {
    const name = `xds.istio.io/grpc/lds/inbound/${ip}:${p.port}`;
    listeners.push({
      name,
      address: socketAddress(ip, p.port),
      filter_chains: [
        {
          filter_chain_match: { destination_port: p.port },
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': T.hcm,
                stat_prefix: name,
                route_config: {
                  name: `inbound|${p.port}||`,
                  virtual_hosts: [{ name: `inbound|http|${p.port}`, domains: ['*'], routes: [{ match: { prefix: '/' }, decorator: { operation: 'allow_all' }, non_forwarding_action: {} }] }],
                },
                http_filters: [routerFilter],
              },
            },
          ],
        },
      ],
      traffic_direction: 'INBOUND',
    });
  }
  const { clusters, endpoints } = buildOutboundClusters(ctx);
  return { listeners, routes, clusters: clusters.map(grpcCluster), endpoints };
}
