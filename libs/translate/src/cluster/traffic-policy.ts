// DestinationRule trafficPolicy → cluster fields: load balancer, connection pool (circuit breakers, HTTP options),
// outlier detection. Port-level settings override the whole section they set, like upstream.
import type { ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection, PortTrafficPolicy, TrafficPolicy } from '@mesh/api';
import type { EnvoyJson } from '@mesh/xds';
import { toDuration } from '../util/duration.ts';
import { MAX_U32 } from '../util/envoy.ts';

/** The effective policy for one port: subset policy over the top-level one, port-level settings over both. */
export function mergeTrafficPolicy(top: TrafficPolicy | undefined, subset: TrafficPolicy | undefined, port: number): PortTrafficPolicy {
  const out: PortTrafficPolicy = {};
  for (const policy of [top, subset]) {
    if (!policy) continue;
    if (policy.loadBalancer) out.loadBalancer = policy.loadBalancer;
    if (policy.connectionPool) out.connectionPool = policy.connectionPool;
    if (policy.outlierDetection) out.outlierDetection = policy.outlierDetection;
    if (policy.tls) out.tls = policy.tls;
    const pl = policy.portLevelSettings?.find((p) => p.port?.number === port);
    if (pl?.loadBalancer) out.loadBalancer = pl.loadBalancer;
    if (pl?.connectionPool) out.connectionPool = pl.connectionPool;
    if (pl?.outlierDetection) out.outlierDetection = pl.outlierDetection;
    if (pl?.tls) out.tls = pl.tls;
  }
  return out;
}

const simpleLb: Record<string, string> = {
  ROUND_ROBIN: 'ROUND_ROBIN',
  LEAST_CONN: 'LEAST_REQUEST',
  LEAST_REQUEST: 'LEAST_REQUEST',
  RANDOM: 'RANDOM',
  UNSPECIFIED: 'LEAST_REQUEST',
};

/** Load-balancer fields (lb_policy + hash ring config); PASSTHROUGH turns the cluster into ORIGINAL_DST. */
export function applyLoadBalancer(cluster: EnvoyJson, lb: LoadBalancerSettings | undefined): void {
  if (lb?.consistentHash) {
    const ch = lb.consistentHash;
    if (ch.maglev) {
      cluster['lb_policy'] = 'MAGLEV';
      if (ch.maglev.tableSize) cluster['maglev_lb_config'] = { table_size: ch.maglev.tableSize };
    } else {
      cluster['lb_policy'] = 'RING_HASH';
      cluster['ring_hash_lb_config'] = { minimum_ring_size: ch.ringHash?.minimumRingSize ?? ch.minimumRingSize ?? 1024 };
    }
    return;
  }
  if (lb?.simple === 'PASSTHROUGH') {
    cluster['type'] = 'ORIGINAL_DST';
    cluster['lb_policy'] = 'CLUSTER_PROVIDED';
    delete cluster['eds_cluster_config'];
    return;
  }
  cluster['lb_policy'] = simpleLb[lb?.simple ?? 'UNSPECIFIED'] ?? 'LEAST_REQUEST';
}

/** Connection pool → circuit_breakers thresholds, connect timeout, keepalive, HTTP protocol options. */
export function applyConnectionPool(cluster: EnvoyJson, pool: ConnectionPoolSettings | undefined, http2: boolean): void {
  const threshold: EnvoyJson = { max_connections: MAX_U32, max_pending_requests: MAX_U32, max_requests: MAX_U32, max_retries: MAX_U32, track_remaining: true };
  const common: EnvoyJson = {};
  if (pool?.tcp) {
    if (pool.tcp.maxConnections) threshold['max_connections'] = pool.tcp.maxConnections;
    if (pool.tcp.connectTimeout) cluster['connect_timeout'] = toDuration(pool.tcp.connectTimeout);
    if (pool.tcp.tcpKeepalive) {
      const k = pool.tcp.tcpKeepalive;
      cluster['upstream_connection_options'] = {
        tcp_keepalive: {
          ...(k.probes ? { keepalive_probes: k.probes } : {}),
          ...(k.time ? { keepalive_time: Math.round(parseFloat(toDuration(k.time))) } : {}),
          ...(k.interval ? { keepalive_interval: Math.round(parseFloat(toDuration(k.interval))) } : {}),
        },
      };
    }
    if (pool.tcp.maxConnectionDuration) common['max_connection_duration'] = toDuration(pool.tcp.maxConnectionDuration);
  }
  if (pool?.http) {
    const h = pool.http;
    if (h.http1MaxPendingRequests) threshold['max_pending_requests'] = h.http1MaxPendingRequests;
    if (h.http2MaxRequests) threshold['max_requests'] = h.http2MaxRequests;
    if (h.maxRetries) threshold['max_retries'] = h.maxRetries;
    if (h.idleTimeout) common['idle_timeout'] = toDuration(h.idleTimeout);
    if (h.maxRequestsPerConnection) common['max_requests_per_connection'] = h.maxRequestsPerConnection;
  }
  cluster['circuit_breakers'] = { thresholds: [threshold] };
  const upgrade = pool?.http?.h2UpgradePolicy === 'UPGRADE';
  const useClient = pool?.http?.useClientProtocol === true;
  if (Object.keys(common).length > 0 || http2 || upgrade || useClient) {
    const options: EnvoyJson = { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions' };
    if (Object.keys(common).length > 0) options['common_http_protocol_options'] = common;
    if (useClient) options['use_downstream_protocol_config'] = { http_protocol_options: {}, http2_protocol_options: {} };
    else if (http2 || upgrade) {
      const h2: EnvoyJson = {};
      if (pool?.http?.maxConcurrentStreams) h2['max_concurrent_streams'] = pool.http.maxConcurrentStreams;
      options['explicit_http_config'] = { http2_protocol_options: h2 };
    } else options['explicit_http_config'] = { http_protocol_options: {} };
    cluster['typed_extension_protocol_options'] = { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': options };
  }
}

/** outlierDetection → Envoy outlier_detection (+ panic threshold); `consecutiveErrors` is the legacy gateway-errors knob. */
export function applyOutlierDetection(cluster: EnvoyJson, od: OutlierDetection | undefined): void {
  if (!od) return;
  const out: EnvoyJson = {};
  if (od.consecutiveErrors !== undefined && od.consecutiveErrors > 0) {
    out['consecutive_gateway_failure'] = od.consecutiveErrors;
    out['enforcing_consecutive_gateway_failure'] = 100;
    out['enforcing_consecutive_5xx'] = 0;
  }
  if (od.consecutive5xxErrors !== undefined) {
    out['consecutive_5xx'] = od.consecutive5xxErrors;
    out['enforcing_consecutive_5xx'] = od.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out['consecutive_gateway_failure'] = od.consecutiveGatewayErrors;
    out['enforcing_consecutive_gateway_failure'] = od.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  if (od.splitExternalLocalOriginErrors) {
    out['split_external_local_origin_errors'] = true;
    if (od.consecutiveLocalOriginFailures) {
      out['consecutive_local_origin_failure'] = od.consecutiveLocalOriginFailures;
      out['enforcing_consecutive_local_origin_failure'] = 100;
    }
  }
  if (od.interval) out['interval'] = toDuration(od.interval);
  if (od.baseEjectionTime) out['base_ejection_time'] = toDuration(od.baseEjectionTime);
  if (od.maxEjectionPercent !== undefined && od.maxEjectionPercent > 0) out['max_ejection_percent'] = od.maxEjectionPercent;
  out['enforcing_success_rate'] = 0;
  cluster['outlier_detection'] = out;
  // Istio turns Envoy's panic mode off unless minHealthPercent asks for it.
  const common = (cluster['common_lb_config'] as EnvoyJson | undefined) ?? {};
  common['healthy_panic_threshold'] = od.minHealthPercent ? { value: od.minHealthPercent } : {};
  cluster['common_lb_config'] = common;
}
