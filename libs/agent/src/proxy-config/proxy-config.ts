import YAML from 'yaml';
import { parseProtoText } from './proto-text.ts';

/** TLS settings as ProxyConfig carries them (ClientTLSSettings, camelCase). */
export interface TlsSettings {
  mode?: string;
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  sni?: string;
  subjectAltNames?: string[];
}

/** A remote service address with optional TLS and keepalive (RemoteService). */
export interface RemoteService {
  address?: string;
  tlsSettings?: TlsSettings;
  tcpKeepalive?: { time?: string; interval?: string; probes?: number };
}

/** Tracing settings: one tracer plus optional TLS to it. */
export interface TracingConfig {
  zipkin?: { address?: string };
  lightstep?: { address?: string; accessToken?: string };
  datadog?: { address?: string };
  stackdriver?: Record<string, unknown>;
  tlsSettings?: TlsSettings;
  sampling?: number;
}

/** Istio's ProxyConfig (mesh.v1alpha1.ProxyConfig) in its protojson camelCase form. */
export interface ProxyConfig {
  configPath?: string;
  binaryPath?: string;
  customConfigFile?: string;
  serviceCluster?: string;
  drainDuration?: string;
  terminationDrainDuration?: string;
  discoveryAddress?: string;
  proxyAdminPort?: number;
  statusPort?: number;
  controlPlaneAuthPolicy?: string;
  statNameLength?: number;
  concurrency?: number;
  statsdUdpAddress?: string;
  envoyMetricsService?: RemoteService;
  envoyAccessLogService?: RemoteService;
  tracing?: TracingConfig;
  proxyMetadata?: Record<string, string>;
  runtimeValues?: Record<string, string>;
  extraStatTags?: string[];
  statsCompression?: boolean;
  connectionSettings?: { globalDownstreamConnectionLimit?: number };
  holdApplicationUntilProxyStarts?: boolean;
  [key: string]: unknown;
}

/** Upstream defaults (`pkg/config/mesh` DefaultProxyConfig). */
export function defaultProxyConfig(): ProxyConfig {
  return {
    configPath: './etc/istio/proxy',
    binaryPath: '/usr/local/bin/envoy',
    serviceCluster: 'istio-proxy',
    drainDuration: '45s',
    terminationDrainDuration: '5s',
    proxyAdminPort: 15000,
    controlPlaneAuthPolicy: 'MUTUAL_TLS',
    discoveryAddress: 'istiod.istio-system.svc:15012',
    statNameLength: 189,
    statusPort: 15020,
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge where `over` wins; arrays are replaced, not concatenated (proto merge of messages). */
export function mergeProxyConfig(base: ProxyConfig, over: Record<string, unknown>): ProxyConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? mergeProxyConfig(prev, v) : v;
  }
  return out as ProxyConfig;
}

/**
 * Parses a ProxyConfig written as YAML/JSON (the PROXY_CONFIG env and the proxy.istio.io/config
 * annotation) or as protobuf text. Throws an Error naming the source and the reason.
 */
export function parseProxyConfig(text: string, source = 'PROXY_CONFIG'): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let yamlError: unknown;
  try {
    const parsed: unknown = YAML.parse(trimmed);
    if (isPlainObject(parsed)) return parsed;
    if (parsed === null) return {};
    yamlError = new Error('not a mapping');
  } catch (err) {
    yamlError = err;
  }
  try {
    return parseProtoText(trimmed);
  } catch (err) {
    const y = yamlError instanceof Error ? yamlError.message : String(yamlError);
    const t = err instanceof Error ? err.message : String(err);
    throw new Error(`${source}: not a valid ProxyConfig (as YAML: ${y}; as text proto: ${t})`);
  }
}

/** Converts a protobuf duration string ("2s", "1.5s", "100ms", "1m") to milliseconds. */
export function durationMs(d: string | undefined, fallbackMs: number): number {
  if (!d) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d.trim());
  if (!m) return fallbackMs;
  const n = Number(m[1]);
  const unit = m[2];
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
}
