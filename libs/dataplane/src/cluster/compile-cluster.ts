// Cluster resource (Envoy JSON) → CompiledCluster. EDS hosts come from the snapshot's endpoints.
import { isIP } from 'node:net';
import { ConfigError, anyType, arr, bool, durationMs, enumOf, num, obj, optObj, reqStr, str, uint, type Json } from '../config/json-reader.ts';
import { ExtensionType } from '../config/type-urls.ts';
import { compileUpstreamTls, isPlainTransport, type SecretLookup } from '../tls/compile-tls.ts';
import type { CircuitBreakerLimits, CompiledCluster, DiscoveryType, HostSpec, LbPolicy, OutlierSpec, TlsMatch } from './cluster-types.ts';
import { parseLoadAssignment } from './load-assignment.ts';

const discoveryTypes = ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'] as const;
const lbPolicies = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV', 'CLUSTER_PROVIDED'] as const;

/** The HttpProtocolOptions extension of a cluster, with its field path, if present. */
function httpProtocolOptions(c: Json, path: string): { hpo: Json; path: string } | undefined {
  const opts = obj(c['typed_extension_protocol_options'], `${path}.typed_extension_protocol_options`);
  const key = Object.keys(opts).find((k) => k === 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions' || anyType(obj(opts[k], k)) === ExtensionType.HttpProtocolOptions);
  if (key === undefined) return undefined;
  const p = `${path}.typed_extension_protocol_options["${key}"]`;
  return { hpo: obj(opts[key], p), path: p };
}

/** max_requests_per_connection from HttpProtocolOptions, else the deprecated cluster field; 0 means unlimited. */
function maxRequestsPerConnection(c: Json): number {
  const ext = httpProtocolOptions(c, '');
  if (ext) {
    const common = obj(ext.hpo['common_http_protocol_options'], `${ext.path}.common_http_protocol_options`);
    if (common['max_requests_per_connection'] !== undefined) return uint(common['max_requests_per_connection'], `${ext.path}.common_http_protocol_options.max_requests_per_connection`, 0);
  }
  return uint(c['max_requests_per_connection'], 'max_requests_per_connection', 0);
}

function limits(v: unknown, path: string, perConnection: number): CircuitBreakerLimits {
  const thresholds = arr(obj(v, path)['thresholds'], `${path}.thresholds`);
  let def: Json = {};
  thresholds.forEach((t, i) => {
    const o = obj(t, `${path}.thresholds[${i}]`);
    const prio = enumOf(o['priority'], `${path}.thresholds[${i}].priority`, ['DEFAULT', 'HIGH'] as const, 'DEFAULT');
    if (prio === 'DEFAULT') def = o;
  });
  const i = thresholds.findIndex((t) => t === def);
  const p = i >= 0 ? `${path}.thresholds[${i}]` : path;
  return {
    maxConnections: uint(def['max_connections'], `${p}.max_connections`, 1024),
    maxPendingRequests: uint(def['max_pending_requests'], `${p}.max_pending_requests`, 1024),
    maxRequests: uint(def['max_requests'], `${p}.max_requests`, 1024),
    maxRetries: uint(def['max_retries'], `${p}.max_retries`, 3),
    maxRequestsPerConnection: perConnection,
  };
}

function outlier(v: unknown, path: string): OutlierSpec | undefined {
  const o = optObj(v, path);
  if (!o) return undefined;
  const pct = uint(o['max_ejection_percent'], `${path}.max_ejection_percent`, 10);
  if (pct > 100) throw new ConfigError(`${path}.max_ejection_percent`, 'must be at most 100');
  return {
    consecutive5xx: uint(o['consecutive_5xx'], `${path}.consecutive_5xx`, 5),
    enforcing5xx: uint(o['enforcing_consecutive_5xx'], `${path}.enforcing_consecutive_5xx`, 100),
    consecutiveGatewayFailure: uint(o['consecutive_gateway_failure'], `${path}.consecutive_gateway_failure`, 5),
    enforcingGatewayFailure: uint(o['enforcing_consecutive_gateway_failure'], `${path}.enforcing_consecutive_gateway_failure`, 0),
    intervalMs: durationMs(o['interval'], `${path}.interval`, 10_000),
    baseEjectionMs: durationMs(o['base_ejection_time'], `${path}.base_ejection_time`, 30_000),
    maxEjectionPercent: pct,
  };
}

function upstreamProtocol(c: Json, path: string): 'http1' | 'http2' | 'downstream' {
  const ext = httpProtocolOptions(c, path);
  if (ext !== undefined) {
    const { hpo, path: p } = ext;
    if (hpo['use_downstream_protocol_config'] !== undefined) return 'downstream';
    if (hpo['auto_config'] !== undefined) {
      // Without ALPN to the upstream we cannot negotiate; h2 when TLS offers it is handled by the pool.
      return 'http1';
    }
    const explicit = obj(hpo['explicit_http_config'], `${p}.explicit_http_config`);
    if (explicit['http2_protocol_options'] !== undefined) return 'http2';
    return 'http1';
  }
  if (c['http2_protocol_options'] !== undefined) return 'http2';
  if (c['protocol_selection'] === 'USE_DOWNSTREAM_PROTOCOL') return 'downstream';
  return 'http1';
}

function transportSocket(v: unknown, path: string, secrets: SecretLookup): TlsMatch['tls'] {
  if (isPlainTransport(v)) return undefined;
  const ts = obj(v, path);
  const tc = obj(ts['typed_config'], `${path}.typed_config`);
  const t = anyType(tc);
  if (t === ExtensionType.RawBuffer) return undefined;
  if (t !== ExtensionType.UpstreamTlsContext) throw new ConfigError(`${path}.typed_config`, `unsupported transport socket type "${t}"`);
  return compileUpstreamTls(tc, `${path}.typed_config`, secrets);
}

/** Compiles one Cluster; `endpoints` supplies ClusterLoadAssignments for EDS clusters. */
export function compileCluster(c: Json, endpoints: ReadonlyMap<string, Json>, secrets: SecretLookup): CompiledCluster {
  const name = reqStr(c['name'], 'name');
  if (c['cluster_type'] !== undefined) throw new ConfigError('cluster_type', 'custom cluster types are not supported');
  const type: DiscoveryType = enumOf(c['type'], 'type', discoveryTypes, 'STATIC');
  let lbPolicy: LbPolicy = enumOf(c['lb_policy'], 'lb_policy', lbPolicies, 'ROUND_ROBIN');
  if (type === 'ORIGINAL_DST') {
    if (lbPolicy !== 'CLUSTER_PROVIDED' && lbPolicy !== 'ROUND_ROBIN') throw new ConfigError('lb_policy', 'ORIGINAL_DST clusters require CLUSTER_PROVIDED');
    lbPolicy = 'CLUSTER_PROVIDED';
  } else if (lbPolicy === 'CLUSTER_PROVIDED') {
    throw new ConfigError('lb_policy', `CLUSTER_PROVIDED is only valid for ORIGINAL_DST clusters`);
  }
  let hosts: HostSpec[] = [];
  let edsName = '';
  if (type === 'EDS') {
    const eds = obj(c['eds_cluster_config'], 'eds_cluster_config');
    edsName = str(eds['service_name'], 'eds_cluster_config.service_name') || name;
    const cla = endpoints.get(edsName);
    if (cla) hosts = parseLoadAssignment(cla, `ClusterLoadAssignment ${edsName}`);
  } else if (type !== 'ORIGINAL_DST') {
    hosts = parseLoadAssignment(obj(c['load_assignment'], 'load_assignment'), 'load_assignment');
    hosts.forEach((h, i) => {
      if (type === 'STATIC' && !h.pipe && isIP(h.address) === 0) {
        throw new ConfigError(`load_assignment.endpoints[*].lb_endpoints[${i}].endpoint.address.socket_address.address`, `STATIC clusters need an IP address, got "${h.address}"`);
      }
    });
  }
  const tlsMatches: TlsMatch[] = [];
  arr(c['transport_socket_matches'], 'transport_socket_matches').forEach((m, i) => {
    const p = `transport_socket_matches[${i}]`;
    const o = obj(m, p);
    tlsMatches.push({ name: str(o['name'], `${p}.name`), match: obj(o['match'], `${p}.match`), tls: transportSocket(o['transport_socket'], `${p}.transport_socket`, secrets) });
  });
  tlsMatches.push({ name: 'default', match: {}, tls: transportSocket(c['transport_socket'], 'transport_socket', secrets) });
  const ring = obj(c['ring_hash_lb_config'], 'ring_hash_lb_config');
  const maglev = obj(c['maglev_lb_config'], 'maglev_lb_config');
  const lr = obj(c['least_request_lb_config'], 'least_request_lb_config');
  const od = obj(c['original_dst_lb_config'], 'original_dst_lb_config');
  const tableSize = uint(maglev['table_size'], 'maglev_lb_config.table_size', 65537);
  const compiled: Omit<CompiledCluster, 'settingsKey'> = {
    name,
    type,
    lbPolicy,
    connectTimeoutMs: durationMs(c['connect_timeout'], 'connect_timeout', 5000),
    edsName,
    hosts,
    dnsRefreshMs: Math.max(100, durationMs(c['dns_refresh_rate'], 'dns_refresh_rate', 5000)),
    protocol: upstreamProtocol(c, ''),
    limits: limits(c['circuit_breakers'], 'circuit_breakers', maxRequestsPerConnection(c)),
    outlier: outlier(c['outlier_detection'], 'outlier_detection'),
    tlsMatches,
    ringSize: Math.min(8_388_608, uint(ring['minimum_ring_size'], 'ring_hash_lb_config.minimum_ring_size', 1024)),
    maglevTableSize: tableSize,
    leastRequestChoices: Math.max(2, uint(lr['choice_count'], 'least_request_lb_config.choice_count', 2)),
    panicThreshold: num(obj(obj(c['common_lb_config'], 'common_lb_config')['healthy_panic_threshold'], 'common_lb_config.healthy_panic_threshold')['value'], 'common_lb_config.healthy_panic_threshold.value', 50),
    useHttpHeaderForOriginalDst: bool(od['use_http_header'], 'original_dst_lb_config.use_http_header'),
    perConnectionBufferLimit: uint(c['per_connection_buffer_limit_bytes'], 'per_connection_buffer_limit_bytes', 1024 * 1024),
    sourceAddress: bindAddress(c['upstream_bind_config']),
    raw: c,
  };
  // Everything except the hosts decides whether pools and counters can be kept across an update.
  const settingsKey = JSON.stringify({ ...compiled, hosts: undefined, raw: undefined });
  return { ...compiled, settingsKey };
}

/** The source address of `upstream_bind_config` (a core.v3.BindConfig), if any. */
function bindAddress(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const bind = obj(value, 'upstream_bind_config');
  const sa = obj(bind['source_address'], 'upstream_bind_config.source_address');
  return str(sa['address'], 'upstream_bind_config.source_address.address');
}
