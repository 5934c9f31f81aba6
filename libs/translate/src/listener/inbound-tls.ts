// The DownstreamTlsContext inbound mTLS chains terminate with: workload cert from the agent's SDS, peers verified
// against ROOTCA, client certificate required.
import type { EnvoyJson } from '@mesh/xds';
import { sdsGrpcConfigSource, T } from '../util/envoy.ts';

export const ISTIO_HTTP_ALPNS = ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'];
export const ISTIO_TCP_ALPNS = ['istio-peer-exchange', 'istio'];

export function inboundMtlsTransportSocket(http: boolean): EnvoyJson {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': T.downstreamTls,
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
        alpn_protocols: http ? ['h2', 'http/1.1'] : ['istio-peer-exchange', 'h2', 'http/1.1'],
        tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: sdsGrpcConfigSource() }],
        combined_validation_context: {
          default_validation_context: { match_subject_alt_names: [{ prefix: 'spiffe://' }] },
          validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: sdsGrpcConfigSource() },
        },
      },
      require_client_certificate: true,
    },
  };
}
