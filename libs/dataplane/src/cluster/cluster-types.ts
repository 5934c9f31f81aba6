// Compiled cluster: plain data built once per config version; the runtime state lives in ClusterRuntime.
import type { TlsClientConfig } from '../tls/tls-types.ts';

export type DiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'ORIGINAL_DST';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

/** One upstream host as configured. */
export interface HostSpec {
  readonly address: string;
  readonly port: number;
  /** Set for unix-socket endpoints (pipe.path). */
  readonly pipe: string | undefined;
  readonly weight: number;
  readonly priority: number;
  readonly locality: string;
  readonly healthy: boolean;
  /** filter_metadata["envoy.transport_socket_match"] of the endpoint (selects transport_socket_matches). */
  readonly socketMatch: Readonly<Record<string, unknown>>;
}

export interface CircuitBreakerLimits {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  /** common_http_protocol_options.max_requests_per_connection (0 = unlimited): a connection closes after this many. */
  readonly maxRequestsPerConnection: number;
}

export interface OutlierSpec {
  readonly consecutive5xx: number;
  readonly enforcing5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingGatewayFailure: number;
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionPercent: number;
}

export interface CompiledCluster {
  readonly name: string;
  readonly type: DiscoveryType;
  readonly lbPolicy: LbPolicy;
  readonly connectTimeoutMs: number;
  /** For EDS: the ClusterLoadAssignment name (service_name or cluster name). */
  readonly edsName: string;
  readonly hosts: readonly HostSpec[];
  readonly dnsRefreshMs: number;
  /** Upstream protocol: always HTTP/1.1, always HTTP/2, or the downstream's. */
  readonly protocol: 'http1' | 'http2' | 'downstream';
  readonly limits: CircuitBreakerLimits;
  readonly outlier: OutlierSpec | undefined;
  /** transport_socket, or transport_socket_matches in order (first match by endpoint metadata wins). */
  readonly tlsMatches: readonly TlsMatch[];
  readonly ringSize: number;
  readonly maglevTableSize: number;
  readonly leastRequestChoices: number;
  readonly useHttpHeaderForOriginalDst: boolean;
  /** common_lb_config.healthy_panic_threshold in percent (default 50). */
  readonly panicThreshold: number;
  readonly perConnectionBufferLimit: number;
  /** upstream_bind_config.source_address: the local address upstream connections are made from (istio's 127.0.0.6). */
  readonly sourceAddress: string | undefined;
  /** The resource as received (config_dump). */
  readonly raw: { [key: string]: unknown };
  /** Identity of the runtime-relevant settings; equal keys mean the runtime can keep its pools. */
  readonly settingsKey: string;
}

/** One transport socket choice: plaintext when `tls` is undefined. */
export interface TlsMatch {
  readonly name: string;
  readonly match: Readonly<Record<string, unknown>>;
  readonly tls: TlsClientConfig | undefined;
}
