// ProxyConfig handling: the pod's `proxy.istio.io/config` annotation merged over the mesh defaultConfig,
// and its JSON form (proto field order, as protojson prints it) for the PROXY_CONFIG env.
import { parse as parseYaml } from 'yaml';
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { clone, isObj, mergeValues } from './json-util.ts';

// Field declaration order of istio.mesh.v1alpha1.ProxyConfig.
const fieldOrder = [
  'configPath', 'binaryPath', 'serviceCluster', 'drainDuration', 'parentShutdownDuration', 'discoveryAddress',
  'statsdUdpAddress', 'proxyAdminPort', 'controlPlaneAuthPolicy', 'customConfigFile', 'statNameLength', 'concurrency',
  'proxyBootstrapTemplatePath', 'interceptionMode', 'tracing', 'envoyAccessLogService', 'envoyMetricsService',
  'proxyMetadata', 'runtimeValues', 'statusPort', 'extraStatTags', 'gatewayTopology', 'terminationDrainDuration',
  'meshId', 'readinessProbe', 'proxyStatsMatcher', 'holdApplicationUntilProxyStarts', 'caCertificatesPem', 'image',
  'privateKeyProvider', 'proxyHeaders', 'fileFlushInterval', 'fileFlushMinSizeKb', 'serviceClusterPrefix',
];
const known = new Set(fieldOrder);

/** Parses the `proxy.istio.io/config` annotation; throws an Error describing the problem. */
export function parseProxyConfigAnnotation(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    throw new Error(`proxy.istio.io/config: invalid YAML: ${(e as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isObj(parsed)) throw new Error('proxy.istio.io/config: must be a ProxyConfig object');
  for (const k of Object.keys(parsed)) {
    if (!known.has(k)) throw new Error(`proxy.istio.io/config: unknown field "${k}" in ProxyConfig`);
  }
  const mode = parsed['interceptionMode'];
  if (mode !== undefined && !['REDIRECT', 'TPROXY', 'NONE'].includes(String(mode))) {
    throw new Error(`proxy.istio.io/config: interceptionMode must be REDIRECT, TPROXY or NONE, got "${String(mode)}"`);
  }
  return parsed;
}

/** The effective ProxyConfig for a pod: mesh defaultConfig overlaid by the pod annotation. */
export function effectiveProxyConfig(mesh: JsonObject, annotations: Record<string, string>): JsonObject {
  const base = isObj(mesh['defaultConfig']) ? mesh['defaultConfig'] : {};
  const a = annotations['proxy.istio.io/config'];
  if (a === undefined) return clone(base);
  return mergeValues(base, parseProxyConfigAnnotation(a));
}

/** protojson-style text of a ProxyConfig: fields in declaration order, map keys sorted. */
export function proxyConfigJSON(pc: JsonObject): string {
  const keys = Object.keys(pc).sort((a, b) => rank(a) - rank(b));
  const out: Record<string, JsonValue> = {};
  for (const k of keys) out[k] = sortMaps(pc[k] as JsonValue);
  return JSON.stringify(out);
}

function rank(k: string): number {
  const i = fieldOrder.indexOf(k);
  return i < 0 ? fieldOrder.length : i;
}

function sortMaps(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortMaps);
  if (!isObj(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortMaps(v[k] as JsonValue);
  return out;
}
