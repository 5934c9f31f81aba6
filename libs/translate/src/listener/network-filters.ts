// The network filters listeners are made of: HTTP connection manager and TCP proxy.
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { adsConfigSource, T } from '../util/envoy.ts';

export interface HcmOptions {
  readonly statPrefix: string;
  /** RDS route name, or an inline route configuration. */
  readonly rds?: string;
  readonly routeConfig?: EnvoyJson;
  readonly direction: 'outbound' | 'inbound' | 'gateway';
}

/**
 * Istio's istio.alpn filter: on outbound and gateway connection managers it offers the peer's inbound listener the
 * ALPN that names the HTTP version (istio-http/1.0, istio-http/1.1, istio-h2; plus "istio" for older peers), which is
 * how the peer picks its HTTP filter chain under mutual TLS. Sent as a TypedStruct (Envoy converts it to the filter's
 * own type); the HTTP10 entry leaves upstream_protocol out because it is the enum's zero value.
 */
const istioAlpn: EnvoyJson = {
  name: 'istio.alpn',
  typed_config: {
    '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
    type_url: 'type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig',
    value: {
      alpn_override: [
        { alpn_override: ['istio-http/1.0', 'istio'] },
        { upstream_protocol: 'HTTP11', alpn_override: ['istio-http/1.1', 'istio'] },
        { upstream_protocol: 'HTTP2', alpn_override: ['istio-h2', 'istio'] },
      ],
    },
  },
};

/** HTTP filters in upstream's order (Istio's own wasm/stats filters excluded): ALPN (not inbound), fault, CORS, router. */
function httpFilters(direction: HcmOptions['direction']): EnvoyJson[] {
  return [
    ...(direction === 'inbound' ? [] : [istioAlpn]),
    { name: 'envoy.filters.http.fault', typed_config: { '@type': T.fault } },
    { name: 'envoy.filters.http.cors', typed_config: { '@type': T.cors } },
    { name: 'envoy.filters.http.router', typed_config: { '@type': T.router } },
  ];
}

function accessLog(ctx: ProxyContext): EnvoyJson[] | undefined {
  const path = ctx.snapshot.meshConfig.accessLogFile;
  if (!path) return undefined;
  return [{ name: 'envoy.access_loggers.file', typed_config: { '@type': T.fileAccessLog, path } }];
}

/** `envoy.filters.network.http_connection_manager` as Istio configures it per direction. */
export function httpConnectionManager(ctx: ProxyContext, opts: HcmOptions): EnvoyJson {
  const hcm: EnvoyJson = { '@type': T.hcm, stat_prefix: opts.statPrefix };
  if (opts.rds !== undefined) hcm['rds'] = { config_source: adsConfigSource(), route_config_name: opts.rds };
  else if (opts.routeConfig) hcm['route_config'] = opts.routeConfig;
  hcm['http_filters'] = httpFilters(opts.direction);
  const log = accessLog(ctx);
  if (log) hcm['access_log'] = log;
  hcm['use_remote_address'] = opts.direction === 'gateway';
  if (opts.direction !== 'outbound') hcm['server_name'] = 'istio-envoy';
  if (opts.direction === 'inbound') {
    hcm['forward_client_cert_details'] = 'APPEND_FORWARD';
    hcm['set_current_client_cert_details'] = { subject: true, dns: true, uri: true };
  } else if (opts.direction === 'gateway') {
    // Gateways are the edge: client certificates are sanitized, then set from the downstream TLS peer.
    hcm['forward_client_cert_details'] = 'SANITIZE_SET';
    hcm['set_current_client_cert_details'] = { subject: true, cert: true, uri: true, dns: true };
    hcm['http_protocol_options'] = {};
  }
  hcm['upgrade_configs'] = [{ upgrade_type: 'websocket' }];
  hcm['stream_idle_timeout'] = '0s';
  hcm['normalize_path'] = true;
  hcm['merge_slashes'] = false;
  hcm['path_with_escaped_slashes_action'] = 'KEEP_UNCHANGED';
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: hcm };
}

/** `envoy.filters.network.tcp_proxy` to one cluster or weighted clusters. */
export function tcpProxy(ctx: ProxyContext, clusters: ReadonlyArray<{ name: string; weight: number }>, statPrefix?: string): EnvoyJson {
  const cfg: EnvoyJson = { '@type': T.tcpProxy };
  if (clusters.length === 1) {
    cfg['stat_prefix'] = statPrefix ?? clusters[0]!.name;
    cfg['cluster'] = clusters[0]!.name;
  } else {
    cfg['stat_prefix'] = statPrefix ?? clusters.map((c) => c.name).join(',');
    cfg['weighted_clusters'] = { clusters: clusters.map((c) => ({ name: c.name, weight: c.weight })) };
  }
  const log = accessLog(ctx);
  if (log) cfg['access_log'] = log;
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: cfg };
}
