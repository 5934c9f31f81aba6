import { TypeUrl } from '@mesh/xds';
import { describe, expect, it } from 'vitest';
import { endpointNames, resourceName, routeNames, secretNames } from './resource-refs.ts';

const hcm = (rds: string) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', rds: { route_config_name: rds } },
});
const tls = (typeName: string, common: Record<string, unknown>) => ({
  name: 'envoy.transport_sockets.tls',
  typed_config: { '@type': `type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.${typeName}`, common_tls_context: common },
});
const agentSds = { api_config_source: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } };

describe('resource references', () => {
  it('names resources by name, and ClusterLoadAssignment by cluster_name', () => {
    expect(resourceName(TypeUrl.Cluster, { name: 'c' })).toBe('c');
    expect(resourceName(TypeUrl.ClusterLoadAssignment, { cluster_name: 'e', name: 'x' })).toBe('e');
    expect(resourceName(TypeUrl.Listener, {})).toBe('');
  });

  it('EDS names come from EDS clusters only: service_name, else the cluster name', () => {
    const names = endpointNames([
      { name: 'outbound|9080||reviews.default.svc.cluster.local', type: 'EDS', eds_cluster_config: { service_name: 'outbound|9080||reviews.default.svc.cluster.local' } },
      { name: 'plain-eds', type: 'EDS' },
      { name: 'svc', type: 'EDS', eds_cluster_config: { service_name: 'other-name' } },
      { name: 'PassthroughCluster', type: 'ORIGINAL_DST' },
      { name: 'static', type: 'STATIC' },
      { name: 'dns' },
    ]);
    expect([...names].sort()).toEqual(['other-name', 'outbound|9080||reviews.default.svc.cluster.local', 'plain-eds']);
  });

  it('RDS names come from HTTP connection managers in every filter chain, the default chain and API listeners', () => {
    const names = routeNames([
      { name: 'virtualInbound', filter_chains: [{ filters: [hcm('9080')] }, { filters: [{ name: 'tcp', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', cluster: 'x' } }] }] },
      { name: 'l2', filter_chains: [{ filters: [{ name: 'inline', typed_config: { ...hcm('ignored').typed_config, rds: undefined, route_config: { name: 'inline' } } }] }], default_filter_chain: { filters: [hcm('default-route')] } },
      { name: 'grpc', api_listener: { api_listener: hcm('reviews.default.svc.cluster.local:9080').typed_config } },
    ]);
    expect([...names].sort()).toEqual(['9080', 'default-route', 'reviews.default.svc.cluster.local:9080']);
  });

  it('SDS names come from transport sockets when served over ADS; the agent socket serves its own', () => {
    const clusters = [
      {
        name: 'gw-upstream',
        transport_socket: tls('UpstreamTlsContext', {
          tls_certificate_sds_secret_configs: [{ name: 'kubernetes://client-cert', sds_config: { ads: {} } }, { name: 'default', sds_config: agentSds }],
          combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: { name: 'kubernetes://ca', sds_config: { ads: {} } } },
        }),
      },
      { name: 'matches', transport_socket_matches: [{ name: 'tlsMode-istio', transport_socket: tls('UpstreamTlsContext', { validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: agentSds } }) }] },
    ];
    const listeners = [
      { name: 'gw', filter_chains: [{ transport_socket: tls('DownstreamTlsContext', { tls_certificate_sds_secret_configs: [{ name: 'kubernetes://gw-cert' }] }) }] },
    ];
    expect([...secretNames(clusters, listeners)].sort()).toEqual(['kubernetes://ca', 'kubernetes://client-cert', 'kubernetes://gw-cert']);
  });
});
