// Inbound clusters `inbound|<port>||`: ORIGINAL_DST bound to 127.0.0.6 (PASSTHROUGH policy), or STATIC to a local
// endpoint (LOCALHOST policy, Sidecar ingress defaultEndpoint).
import { isHttp2 } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import type { InboundPort } from '../inbound-ports.ts';
import { durationOr } from '../util/duration.ts';
import { defaultCircuitBreakers, socketAddress, T } from '../util/envoy.ts';
import { inboundClusterName } from '../util/names.ts';
import { inboundBindConfig } from './special-clusters.ts';

/** One inbound cluster per inbound port. */
export function buildInboundClusters(ctx: ProxyContext, ports: readonly InboundPort[]): EnvoyJson[] {
  return ports.map((p) => {
    const name = inboundClusterName(p.port);
    const cluster: EnvoyJson = { name, connect_timeout: durationOr(ctx.snapshot.meshConfig.connectTimeout, '10s') };
    if (p.localEndpoint) {
      cluster['type'] = 'STATIC';
      cluster['lb_policy'] = 'ROUND_ROBIN';
      cluster['load_assignment'] = {
        cluster_name: name,
        endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(p.localEndpoint.address, p.localEndpoint.port) } }] }],
      };
    } else {
      cluster['type'] = 'ORIGINAL_DST';
      cluster['lb_policy'] = 'CLUSTER_PROVIDED';
      cluster['upstream_bind_config'] = inboundBindConfig();
    }
    cluster['circuit_breakers'] = defaultCircuitBreakers();
    if (isHttp2(p.protocol)) {
      cluster['typed_extension_protocol_options'] = {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': T.httpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } },
      };
    }
    cluster['metadata'] = {
      filter_metadata: { istio: { services: p.services.map((s) => ({ host: s.hostname, name: s.name, namespace: s.namespace })) } },
    };
    return cluster;
  });
}
