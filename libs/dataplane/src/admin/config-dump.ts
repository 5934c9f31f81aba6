// /config_dump in Envoy's ConfigDump JSON shape, with ?mask= (field mask per config) and ?include_eds.
import type { XdsSnapshot } from '@mesh/xds';
import { isObject, type Json } from '../config/json-reader.ts';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
const T = 'type.googleapis.com/';

/** Inputs of a config dump. */
export interface ConfigDumpSource {
  readonly bootstrap: Json;
  readonly snapshot: XdsSnapshot;
  /** Names that came from static_resources (the rest is dynamic). */
  readonly staticNames: { listeners: ReadonlySet<string>; clusters: ReadonlySet<string>; secrets: ReadonlySet<string> };
  lastUpdated(kind: string, name: string): string;
}

function typed(type: string, v: Json): Json {
  return { '@type': T + type, ...v };
}

/** Builds the ConfigDump object. */
export function buildConfigDump(src: ConfigDumpSource, includeEds: boolean): { configs: Json[] } {
  const s = src.snapshot;
  const v = (url: string): string => s.versions.get(url) ?? '';
  const cdsV = v(`${T}envoy.config.cluster.v3.Cluster`);
  const ldsV = v(`${T}envoy.config.listener.v3.Listener`);
  const rdsV = v(`${T}envoy.config.route.v3.RouteConfiguration`);
  const edsV = v(`${T}envoy.config.endpoint.v3.ClusterLoadAssignment`);
  const sdsV = v(`${T}envoy.extensions.transport_sockets.tls.v3.Secret`);
  const staticClusters: Json[] = [];
  const dynamicClusters: Json[] = [];
  for (const [name, c] of s.clusters) {
    const entry = { cluster: typed('envoy.config.cluster.v3.Cluster', c), last_updated: src.lastUpdated('cluster', name) };
    if (src.staticNames.clusters.has(name)) staticClusters.push(entry);
    else dynamicClusters.push({ version_info: cdsV, ...entry });
  }
  const staticListeners: Json[] = [];
  const dynamicListeners: Json[] = [];
  for (const [name, l] of s.listeners) {
    const listener = typed('envoy.config.listener.v3.Listener', l);
    if (src.staticNames.listeners.has(name)) staticListeners.push({ listener, last_updated: src.lastUpdated('listener', name) });
    else dynamicListeners.push({ name, active_state: { version_info: ldsV, listener, last_updated: src.lastUpdated('listener', name) } });
  }
  const dynamicRoutes: Json[] = [];
  for (const [name, r] of s.routes) {
    dynamicRoutes.push({ version_info: rdsV, route_config: typed('envoy.config.route.v3.RouteConfiguration', r), last_updated: src.lastUpdated('route', name) });
  }
  const staticSecrets: Json[] = [];
  const dynamicSecrets: Json[] = [];
  for (const [name, sec] of s.secrets) {
    // Private keys are never dumped, as in Envoy.
    const redacted = redactSecret(sec);
    if (src.staticNames.secrets.has(name)) staticSecrets.push({ name, last_updated: src.lastUpdated('secret', name), secret: typed('envoy.extensions.transport_sockets.tls.v3.Secret', redacted) });
    else dynamicSecrets.push({ name, version_info: sdsV, last_updated: src.lastUpdated('secret', name), secret: typed('envoy.extensions.transport_sockets.tls.v3.Secret', redacted) });
  }
  const configs: Json[] = [
    { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap: src.bootstrap, last_updated: src.lastUpdated('bootstrap', '') },
    { '@type': `${ADMIN}ClustersConfigDump`, version_info: cdsV, static_clusters: staticClusters, dynamic_active_clusters: dynamicClusters },
    { '@type': `${ADMIN}ListenersConfigDump`, version_info: ldsV, static_listeners: staticListeners, dynamic_listeners: dynamicListeners },
    { '@type': `${ADMIN}ScopedRoutesConfigDump` },
    { '@type': `${ADMIN}RoutesConfigDump`, static_route_configs: [], dynamic_route_configs: dynamicRoutes },
    { '@type': `${ADMIN}SecretsConfigDump`, static_secrets: staticSecrets, dynamic_active_secrets: dynamicSecrets },
  ];
  if (includeEds) {
    const staticEps: Json[] = [];
    const dynamicEps: Json[] = [];
    for (const [name, c] of s.clusters) {
      if (src.staticNames.clusters.has(name) && isObject(c['load_assignment'])) {
        staticEps.push({ endpoint_config: typed('envoy.config.endpoint.v3.ClusterLoadAssignment', c['load_assignment']), last_updated: src.lastUpdated('cluster', name) });
      }
    }
    for (const [name, e] of s.endpoints) {
      dynamicEps.push({ version_info: edsV, endpoint_config: typed('envoy.config.endpoint.v3.ClusterLoadAssignment', e), last_updated: src.lastUpdated('endpoint', name) });
    }
    configs.push({ '@type': `${ADMIN}EndpointsConfigDump`, static_endpoint_configs: staticEps, dynamic_endpoint_configs: dynamicEps });
  }
  for (const c of configs) for (const k of Object.keys(c)) if (Array.isArray(c[k]) && (c[k] as unknown[]).length === 0) delete c[k];
  return { configs };
}

function redactSecret(sec: Json): Json {
  const out: Json = JSON.parse(JSON.stringify(sec)) as Json;
  const tc = out['tls_certificate'];
  if (isObject(tc) && tc['private_key'] !== undefined) tc['private_key'] = { inline_string: '[redacted]' };
  return out;
}

function pick(v: Json, path: string[]): Json | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return undefined;
  if (!(head in v)) return undefined;
  const val = v[head];
  if (rest.length === 0) return { [head]: val };
  if (Array.isArray(val)) {
    const items = val.map((x) => (isObject(x) ? (pick(x, rest) ?? {}) : x));
    return { [head]: items };
  }
  if (isObject(val)) {
    const sub = pick(val, rest);
    return sub ? { [head]: sub } : undefined;
  }
  return undefined;
}

function merge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isObject(cur) && isObject(v) ? merge(cur, v) : v;
  }
  return out;
}

/** Applies Envoy's ?mask= (comma-separated field paths) to every config; configs left empty are dropped. */
export function applyMask(dump: { configs: Json[] }, mask: string): { configs: Json[] } {
  const paths = mask
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => p.split('.'));
  const configs: Json[] = [];
  for (const c of dump.configs) {
    let out: Json = {};
    for (const p of paths) {
      const part = pick(c, p);
      if (part) out = merge(out, part);
    }
    if (Object.keys(out).length) configs.push({ '@type': c['@type'], ...out });
  }
  return { configs };
}
