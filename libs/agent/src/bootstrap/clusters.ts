import type { RemoteService, TlsSettings } from '../proxy-config/proxy-config.ts';

type Json = Record<string, unknown>;

/** Splits `host:port` (IPv6 in brackets allowed); throws naming the field on a missing port. */
export function splitHostPort(addr: string, field: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr.trim());
  if (!m) throw new Error(`${field}: "${addr}" is not host:port`);
  return { host: m[1] as string, port: Number(m[2]) };
}

const http2Options: Json = {
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    explicit_http_config: { http2_protocol_options: {} },
  },
};

function socketAddress(address: string, port: number, withProtocol: boolean): Json {
  return { socket_address: withProtocol ? { protocol: 'TCP', address, port_value: port } : { address, port_value: port } };
}

function loadAssignment(name: string, address: Json): Json {
  return { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] };
}

function staticTcpCluster(name: string, port: number): Json {
  return {
    name,
    alt_stat_name: `${name};`,
    type: 'STATIC',
    connect_timeout: '0.250s',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: loadAssignment(name, socketAddress('127.0.0.1', port, true)),
  };
}

/** The four clusters every sidecar bootstrap has: prometheus_stats, agent, sds-grpc, xds-grpc. */
export function coreClusters(opts: { adminPort: number; statusPort: number; sdsPath: string; xdsPath: string }): Json[] {
  return [
    staticTcpCluster('prometheus_stats', opts.adminPort),
    staticTcpCluster('agent', opts.statusPort),
    {
      name: 'sds-grpc',
      alt_stat_name: 'sds-grpc;',
      type: 'STATIC',
      typed_extension_protocol_options: http2Options,
      connect_timeout: '1s',
      lb_policy: 'ROUND_ROBIN',
      load_assignment: loadAssignment('sds-grpc', { pipe: { path: opts.sdsPath } }),
    },
    {
      name: 'xds-grpc',
      alt_stat_name: 'xds-grpc;',
      type: 'STATIC',
      connect_timeout: '1s',
      lb_policy: 'ROUND_ROBIN',
      load_assignment: loadAssignment('xds-grpc', { pipe: { path: opts.xdsPath } }),
      circuit_breakers: {
        thresholds: ['DEFAULT', 'HIGH'].map((priority) => ({
          priority,
          max_connections: 100000,
          max_pending_requests: 100000,
          max_requests: 100000,
        })),
      },
      upstream_connection_options: { tcp_keepalive: { keepalive_time: 300 } },
      max_requests_per_connection: 1,
      typed_extension_protocol_options: http2Options,
    },
  ];
}

function sdsConfig(name: string): Json {
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

/**
 * An UpstreamTlsContext for a ProxyConfig ClientTLSSettings: certificates are fetched through the
 * agent's SDS as `file-cert:<cert>~<key>` and `file-root:<ca>` (DISABLE gives none).
 */
export function upstreamTls(tls: TlsSettings | undefined, h2: boolean): Json | undefined {
  if (!tls || !tls.mode || tls.mode === 'DISABLE') return undefined;
  const common: Json = {};
  if (h2) common['alpn_protocols'] = ['h2'];
  if (tls.mode === 'ISTIO_MUTUAL') {
    common['tls_certificate_sds_secret_configs'] = [sdsConfig('default')];
    common['combined_validation_context'] = { default_validation_context: {}, validation_context_sds_secret_config: sdsConfig('ROOTCA') };
  } else {
    if (tls.caCertificates) {
      common['combined_validation_context'] = {
        default_validation_context: tls.subjectAltNames?.length
          ? { match_subject_alt_names: tls.subjectAltNames.map((exact) => ({ exact })) }
          : {},
        validation_context_sds_secret_config: sdsConfig(`file-root:${tls.caCertificates}`),
      };
    }
    if (tls.mode === 'MUTUAL' && tls.clientCertificate && tls.privateKey) {
      common['tls_certificate_sds_secret_configs'] = [sdsConfig(`file-cert:${tls.clientCertificate}~${tls.privateKey}`)];
    }
  }
  const ctx: Json = { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', common_tls_context: common };
  if (tls.sni) ctx['sni'] = tls.sni;
  return { name: 'envoy.transport_sockets.tls', typed_config: ctx };
}

/** A STRICT_DNS cluster to an external collector (tracing, metrics service, access log service). */
export function dnsCluster(
  name: string,
  addr: string,
  field: string,
  opts: { h2?: boolean; tls?: Json | undefined; refreshRate?: string; keepalive?: RemoteService['tcpKeepalive'] },
): Json {
  const { host, port } = splitHostPort(addr, field);
  const c: Json = { name, alt_stat_name: `${name};`, type: 'STRICT_DNS' };
  if (opts.tls) c['transport_socket'] = opts.tls;
  c['respect_dns_ttl'] = true;
  c['dns_lookup_family'] = 'V4_ONLY';
  if (opts.refreshRate) c['dns_refresh_rate'] = opts.refreshRate;
  c['connect_timeout'] = '1s';
  c['lb_policy'] = 'ROUND_ROBIN';
  if (opts.keepalive) {
    const ka: Json = {};
    if (opts.keepalive.probes !== undefined) ka['keepalive_probes'] = opts.keepalive.probes;
    if (opts.keepalive.time) ka['keepalive_time'] = Math.floor(parseFloat(opts.keepalive.time));
    if (opts.keepalive.interval) ka['keepalive_interval'] = Math.floor(parseFloat(opts.keepalive.interval));
    c['upstream_connection_options'] = { tcp_keepalive: ka };
  }
  if (opts.h2) c['typed_extension_protocol_options'] = http2Options;
  c['load_assignment'] = loadAssignment(name, socketAddress(host, port, false));
  return c;
}
