// Envoy building blocks shared by the generators: type URLs of extensions, config sources, socket addresses.
import type { EnvoyJson } from '@mesh/xds';

export const T = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  fault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  cors: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  corsPolicy: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  grpcStats: 'type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig',
  originalDst: 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  tlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  httpInspector: 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  upstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  downstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  rawBuffer: 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  previousHosts: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  previousPriorities: 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
  fileAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
} as const;

/** `{ads: {}, initial_fetch_timeout: 0s, resource_api_version: V3}` — how Istio points every dynamic resource at ADS. */
export function adsConfigSource(): EnvoyJson {
  return { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' };
}

/** The agent's SDS server (bootstrap cluster `sds-grpc`). */
export function sdsGrpcConfigSource(): EnvoyJson {
  return {
    api_config_source: {
      api_type: 'GRPC',
      set_node_on_first_message_only: true,
      transport_api_version: 'V3',
      grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }],
    },
    initial_fetch_timeout: '0s',
    resource_api_version: 'V3',
  };
}

export function socketAddress(address: string, port: number): EnvoyJson {
  return { socket_address: { address, port_value: port } };
}

export const MAX_U32 = 4294967295;

/** Circuit breakers Istio sets when the DestinationRule says nothing: effectively unlimited. */
export function defaultCircuitBreakers(): EnvoyJson {
  return {
    thresholds: [{ max_connections: MAX_U32, max_pending_requests: MAX_U32, max_requests: MAX_U32, max_retries: MAX_U32, track_remaining: true }],
  };
}

/** `use_downstream_protocol_config` for clusters that forward whatever HTTP version came in. */
export function downstreamProtocolOptions(): EnvoyJson {
  return {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': T.httpProtocolOptions,
      use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
    },
  };
}

export function listenerFilter(name: 'original_dst' | 'tls_inspector' | 'http_inspector'): EnvoyJson {
  const type = name === 'original_dst' ? T.originalDst : name === 'tls_inspector' ? T.tlsInspector : T.httpInspector;
  return { name: `envoy.filters.listener.${name}`, typed_config: { '@type': type } };
}

/** FractionalPercent from an Istio percentage (0–100, fractional): MILLION denominator like upstream. */
export function fractionalPercent(value: number): EnvoyJson {
  return { numerator: Math.round(value * 10000), denominator: 'MILLION' };
}
