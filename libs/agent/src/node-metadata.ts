import type { ProxyConfig } from './proxy-config/proxy-config.ts';

/** Label whose value is `region.zone.subzone` (or with slashes) and sets the node locality. */
export const LOCALITY_LABEL = 'istio-locality';
const META_PREFIX = 'ISTIO_META_';
const METAJSON_PREFIX = 'ISTIO_METAJSON_';

/** The proxy's locality as Envoy's node.locality carries it. */
export interface Locality {
  region?: string;
  zone?: string;
  subZone?: string;
}

/** What the agent knows about itself beyond the environment. */
export interface NodeMetadataInput {
  /** Environment variables (process.env or a test's map). */
  env: Record<string, string | undefined>;
  proxyConfig: ProxyConfig;
  instanceIps: string[];
  istioVersion: string;
  pilotSan?: string[];
  outlierLogPath?: string;
  workloadIdentitySocketFile?: string;
  envoyStatusPort?: number;
  envoyPrometheusPort?: number;
  secureMetricsPort?: number;
  secureMergedMetricsPort?: number;
  stsPort?: number;
  exitOnZeroActiveConnections?: boolean;
  /** Undefined means "follow ENABLE_HBONE". */
  metadataDiscovery?: boolean;
  xdsRootCert?: string;
  /** Contents of the downward-API labels file (`/etc/istio/pod/labels`), if present. */
  podLabelsFile?: string;
  /** Contents of the downward-API annotations file (`/etc/istio/pod/annotations`), if present. */
  podAnnotationsFile?: string;
}

/** Node metadata plus the values derived from it that the bootstrap needs. */
export interface NodeMetadata {
  /** The JSON object sent as node.metadata. */
  metadata: Record<string, unknown>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  namespace: string;
  locality: Locality;
}

/**
 * Parses the downward API file format (`key="quoted value"` per line, Go %q quoting).
 * Throws with the line number on a value that is not a quoted string.
 */
export function parseDownwardApi(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    const eq = line.indexOf('=');
    if (eq < 0) return;
    const key = line.slice(0, eq);
    const raw = line.slice(eq + 1);
    try {
      const v: unknown = JSON.parse(raw);
      if (typeof v !== 'string') throw new Error('not a string');
      out[key] = v;
    } catch {
      throw new Error(`downward API line ${i + 1}: value of ${key} is not a quoted string`);
    }
  });
  return out;
}

/** `a.b.c` → `a/b/c` (upstream accepts both separators in the locality label). */
export function normalizeLocalityLabel(v: string | undefined): string {
  return (v ?? '').replace(/\./g, '/');
}

/** Parses `region/zone/subzone` into a Locality. */
export function parseLocality(v: string): Locality {
  const [region, zone, subZone] = v.split('/');
  const out: Locality = {};
  if (region) out.region = region;
  if (zone) out.zone = zone;
  if (subZone) out.subZone = subZone;
  return out;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringMap(v: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!v) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/**
 * Builds node metadata the way upstream's agent does: ProxyConfig.proxyMetadata ISTIO_META_*
 * entries, then ISTIO_META_* env vars, then ISTIO_METAJSON_* objects merged in, and finally the
 * fields the agent sets itself (ports, IPs, version, labels, annotations, PROXY_CONFIG...).
 */
export function buildNodeMetadata(input: NodeMetadataInput): NodeMetadata {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.proxyConfig.proxyMetadata ?? {})) {
    if (k.startsWith(META_PREFIX)) raw[k.slice(META_PREFIX.length)] = v;
  }
  const envEntries = Object.entries(input.env).filter((e): e is [string, string] => e[1] !== undefined);
  for (const [k, v] of envEntries) {
    if (k.startsWith(META_PREFIX)) raw[k.slice(META_PREFIX.length)] = v;
  }
  for (const [k, v] of envEntries) {
    if (!k.startsWith(METAJSON_PREFIX)) continue;
    const obj = parseJsonObject(v);
    if (obj) Object.assign(raw, obj);
  }

  const typed: Record<string, unknown> = {};
  let staticLabels: Record<string, string> | undefined;
  let labels: Record<string, string> = stringMap(raw['LABELS'] as Record<string, unknown> | undefined) ?? {};
  const metaJsonLabels = input.env['ISTIO_METAJSON_LABELS'];
  if (metaJsonLabels !== undefined) {
    const m = stringMap(parseJsonObject(metaJsonLabels));
    if (m && Object.keys(m).length > 0) {
      labels = m;
      staticLabels = m; // same object on purpose: upstream shares the map until a labels file replaces it
    }
  }
  if (input.podLabelsFile !== undefined) {
    const fileLabels = parseDownwardApi(input.podLabelsFile);
    labels = { ...(staticLabels ?? {}) };
    for (const [k, v] of Object.entries(fileLabels)) if (k !== 'pod-template-hash') labels[k] = v;
  }
  const localityString = normalizeLocalityLabel(labels[LOCALITY_LABEL]);
  if (localityString) labels[LOCALITY_LABEL] = localityString;

  let annotations: Record<string, string> = stringMap(raw['ANNOTATIONS'] as Record<string, unknown> | undefined) ?? {};
  if (input.podAnnotationsFile !== undefined) {
    annotations = { ...annotations, ...parseDownwardApi(input.podAnnotationsFile) };
  }

  const namespace = input.env['POD_NAMESPACE'] ?? (typeof raw['NAMESPACE'] === 'string' ? raw['NAMESPACE'] : '');
  const ips = [...new Set(input.instanceIps)];
  if (ips.length > 0) typed['INSTANCE_IPS'] = ips.join(',');
  typed['ISTIO_VERSION'] = typeof raw['ISTIO_VERSION'] === 'string' && raw['ISTIO_VERSION'] ? raw['ISTIO_VERSION'] : input.istioVersion;
  if (input.stsPort) typed['STS_PORT'] = String(input.stsPort);
  if (input.envoyStatusPort) typed['ENVOY_STATUS_PORT'] = input.envoyStatusPort;
  if (input.envoyPrometheusPort) typed['ENVOY_PROMETHEUS_PORT'] = input.envoyPrometheusPort;
  if (input.secureMetricsPort) typed['ENVOY_SECURE_METRICS_PORT'] = input.secureMetricsPort;
  if (input.secureMergedMetricsPort) typed['ENVOY_SECURE_MERGED_METRICS_PORT'] = input.secureMergedMetricsPort;
  if (input.exitOnZeroActiveConnections) typed['EXIT_ON_ZERO_ACTIVE_CONNECTIONS'] = 'true';
  if (input.workloadIdentitySocketFile) typed['WORKLOAD_IDENTITY_SOCKET_FILE'] = input.workloadIdentitySocketFile;
  typed['PROXY_CONFIG'] = proxyConfigJson(input.proxyConfig);
  if (input.env['POD_NAME']) typed['NAME'] = input.env['POD_NAME'];
  if (namespace) typed['NAMESPACE'] = namespace;
  if (input.env['SERVICE_ACCOUNT']) typed['SERVICE_ACCOUNT'] = input.env['SERVICE_ACCOUNT'];
  if (Object.keys(labels).length > 0) typed['LABELS'] = labels;
  if (staticLabels && Object.keys(staticLabels).length > 0) typed['STATIC_LABELS'] = staticLabels;
  if (Object.keys(annotations).length > 0) typed['ANNOTATIONS'] = annotations;
  if (input.pilotSan && input.pilotSan.length > 0) typed['PILOT_SAN'] = input.pilotSan;
  if (input.xdsRootCert) typed['XDS_ROOT_CA'] = input.xdsRootCert;
  if (input.outlierLogPath) typed['OUTLIER_LOG_PATH'] = input.outlierLogPath;
  const hbone = raw['ENABLE_HBONE'] === 'true' || raw['ENABLE_HBONE'] === true;
  typed['METADATA_DISCOVERY'] = String(input.metadataDiscovery ?? hbone);

  return {
    metadata: { ...raw, ...typed },
    labels,
    annotations,
    namespace,
    locality: parseLocality(localityString),
  };
}

/** ProxyConfig as protojson prints it: enum fields at their zero value are omitted. */
export function proxyConfigJson(pc: ProxyConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...pc };
  if (out['controlPlaneAuthPolicy'] === 'NONE') delete out['controlPlaneAuthPolicy'];
  if (out['interceptionMode'] === 'REDIRECT') delete out['interceptionMode'];
  return out;
}

/** Node id `<type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local` (XDS.md §3). */
export function serviceNodeId(type: string, ip: string, podName: string, namespace: string, domain?: string): string {
  return `${type}~${ip}~${podName}.${namespace}~${domain ?? `${namespace}.svc.cluster.local`}`;
}

/** node.cluster: explicit serviceCluster, else `<app>.<ns>`, `<workload>.<ns>`, `istio-proxy.<ns>`. */
export function serviceCluster(node: NodeMetadata, proxyConfig: ProxyConfig): string {
  const name = proxyConfig.serviceCluster;
  const tracingName = proxyConfig['tracingServiceName'];
  const ns = node.namespace;
  const canonical = node.labels['service.istio.io/canonical-name'];
  if (typeof tracingName === 'string' && !name) {
    if (tracingName === 'CANONICAL_NAME_ONLY' && canonical) return canonical;
    if (tracingName === 'CANONICAL_NAME_AND_NAMESPACE' && canonical) return ns ? `${canonical}.${ns}` : canonical;
  }
  if (name && name !== 'istio-proxy') return name;
  const app = node.labels['app'];
  if (app !== undefined) return `${app}.${ns}`;
  const workload = node.metadata['WORKLOAD_NAME'];
  if (typeof workload === 'string' && workload) return `${workload}.${ns}`;
  return ns ? `istio-proxy.${ns}` : 'istio-proxy';
}
