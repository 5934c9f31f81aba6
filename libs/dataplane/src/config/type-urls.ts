// Type URLs of the extensions the data plane understands, as Envoy and istiod write them.
const T = 'type.googleapis.com/';

export const ExtensionType = {
  HttpConnectionManager: `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  TcpProxy: `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  Router: `${T}envoy.extensions.filters.http.router.v3.Router`,
  Fault: `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  Cors: `${T}envoy.extensions.filters.http.cors.v3.Cors`,
  CorsPolicy: `${T}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  OriginalDst: `${T}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`,
  TlsInspector: `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  HttpInspector: `${T}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`,
  DownstreamTlsContext: `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  UpstreamTlsContext: `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  RawBuffer: `${T}envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer`,
  HttpProtocolOptions: `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  HttpRbac: `${T}envoy.extensions.filters.http.rbac.v3.RBAC`,
  NetworkRbac: `${T}envoy.extensions.filters.network.rbac.v3.RBAC`,
} as const;

// Legacy filter names accepted when typed_config is absent (Envoy still maps these well-known names).
export const filterNameToType: Record<string, string> = {
  'envoy.filters.network.http_connection_manager': ExtensionType.HttpConnectionManager,
  'envoy.http_connection_manager': ExtensionType.HttpConnectionManager,
  'envoy.filters.network.tcp_proxy': ExtensionType.TcpProxy,
  'envoy.tcp_proxy': ExtensionType.TcpProxy,
  'envoy.filters.http.router': ExtensionType.Router,
  'envoy.router': ExtensionType.Router,
  'envoy.filters.http.fault': ExtensionType.Fault,
  'envoy.filters.http.cors': ExtensionType.Cors,
  'envoy.filters.listener.original_dst': ExtensionType.OriginalDst,
  'envoy.filters.listener.tls_inspector': ExtensionType.TlsInspector,
  'envoy.filters.listener.http_inspector': ExtensionType.HttpInspector,
  'envoy.filters.http.rbac': ExtensionType.HttpRbac,
  'envoy.filters.network.rbac': ExtensionType.NetworkRbac,
};

// Filters that do not change forwarding (telemetry, peer metadata, ALPN hints, stats plugins); accepted and skipped.
export const passThroughFilterTypes: ReadonlySet<string> = new Set([
  `${T}istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig`,
  `${T}envoy.extensions.filters.http.grpc_stats.v3.FilterConfig`,
  `${T}envoy.extensions.filters.http.grpc_web.v3.GrpcWeb`,
  `${T}envoy.extensions.filters.http.wasm.v3.Wasm`,
  `${T}envoy.extensions.filters.network.wasm.v3.Wasm`,
  `${T}stats.PluginConfig`,
  `${T}io.istio.http.peer_metadata.Config`,
  `${T}envoy.tcp.metadataexchange.config.MetadataExchange`,
  `${T}envoy.extensions.filters.http.set_filter_state.v3.Config`,
  `${T}envoy.extensions.filters.network.set_filter_state.v3.Config`,
  `${T}udpa.type.v1.TypedStruct`,
  `${T}xds.type.v3.TypedStruct`,
  // Compression is an optimisation: a response sent uncompressed is always valid (the bootstrap's 15090 listener).
  `${T}envoy.extensions.filters.http.compressor.v3.Compressor`,
]);
