type Json = Record<string, unknown>;

const router: Json = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};

const compressedTypes = ['text/plain', 'application/vnd.google.protobuf', 'application/openmetrics-text', 'application/openmetrics-protobuf'];

function compressor(algo: 'brotli' | 'zstd' | 'gzip', typeName: string): Json {
  return {
    name: `envoy.filters.http.compressor.${algo}`,
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor',
      compressor_library: {
        name: `stats_${algo}`,
        typed_config: { '@type': `type.googleapis.com/envoy.extensions.compression.${algo}.compressor.v3.${typeName}` },
      },
      response_direction_config: { common_config: { content_type: compressedTypes } },
    },
  };
}

function hcm(statPrefix: string, prefixes: string | string[], cluster: string, filters: Json[]): Json {
  const routes = (Array.isArray(prefixes) ? prefixes : [prefixes]).map((prefix) => ({ match: { prefix }, route: { cluster } }));
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      codec_type: 'AUTO',
      stat_prefix: statPrefix,
      route_config: {
        virtual_hosts: [{ name: 'backend', domains: ['*'], routes }],
      },
      http_filters: filters,
    },
  };
}

function listenerBase(address: string, port: number): Json {
  return {
    name: `${address}_${port}`,
    address: { socket_address: { protocol: 'TCP', address, port_value: port } },
    ignore_global_conn_limit: true,
    bypass_overload_manager: true,
  };
}

function sdsSecret(name: string): Json {
  return {
    name,
    sds_config: {
      api_config_source: {
        api_type: 'GRPC',
        grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }],
        set_node_on_first_message_only: true,
        transport_api_version: 'V3',
      },
      resource_api_version: 'V3',
    },
  };
}

/** A listener that serves one path over mTLS with the workload certificate (secure metrics ports). */
function secureListener(wildcard: string, port: number, statPrefix: string, prefixes: string[], cluster: string): Json {
  return {
    ...listenerBase(wildcard, port),
    listener_filters: [
      {
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' },
      },
    ],
    filter_chains: [
      {
        filter_chain_match: { transport_protocol: 'tls' },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
            require_client_certificate: true,
            common_tls_context: {
              tls_certificate_sds_secret_configs: [sdsSecret('default')],
              combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sdsSecret('ROOTCA') },
            },
          },
        },
        filters: [hcm(statPrefix, prefixes, cluster, [router])],
      },
    ],
  };
}

/** Options for the static listeners (15090 Prometheus, 15021 health, optional secure metrics). */
export interface StaticListenerOptions {
  wildcard: string;
  prometheusPort: number;
  statusPort: number;
  statsCompression: boolean;
  localhostOnlyMetrics?: boolean;
  secureMetricsPort?: number;
  secureMergedMetricsPort?: number;
}

/** The bootstrap's static listeners. */
export function staticListeners(o: StaticListenerOptions): Json[] {
  const promAddr = o.localhostOnlyMetrics ? (o.wildcard === '::' ? '::1' : '127.0.0.1') : o.wildcard;
  const promFilters = o.statsCompression
    ? [compressor('brotli', 'Brotli'), compressor('zstd', 'Zstd'), compressor('gzip', 'Gzip'), router]
    : [router];
  const out: Json[] = [
    { ...listenerBase(promAddr, o.prometheusPort), filter_chains: [{ filters: [hcm('stats', '/stats/prometheus', 'prometheus_stats', promFilters)] }] },
  ];
  if (o.secureMetricsPort) {
    out.push(secureListener(o.wildcard, o.secureMetricsPort, 'secure_stats', ['/stats/prometheus'], 'prometheus_stats'));
  }
  if (o.secureMergedMetricsPort) {
    out.push(secureListener(o.wildcard, o.secureMergedMetricsPort, 'secure_merged_stats', ['/stats/prometheus', '/metrics'], 'agent'));
  }
  out.push({ ...listenerBase(o.wildcard, o.statusPort), filter_chains: [{ filters: [hcm('agent', '/healthz/ready', 'agent', [router])] }] });
  return out;
}
