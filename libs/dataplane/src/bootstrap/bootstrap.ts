// Envoy bootstrap (JSON or YAML, -c plus --config-yaml overlay) → node identity, admin address, static
// resources as a snapshot, and the ADS settings of dynamic_resources.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { XdsSnapshot } from '@mesh/xds';
import { ConfigError, arr, enumOf, isObject, obj, optObj, reqStr, str, type Json } from '../config/json-reader.ts';
import { parseAddress, parseLoadAssignment } from '../cluster/load-assignment.ts';

export interface NodeIdentity {
  id: string;
  cluster: string;
  metadata: Json;
  locality: Json | undefined;
}

/** Where and how to reach the ADS server. */
export interface AdsSettings {
  readonly apiType: 'GRPC' | 'DELTA_GRPC';
  readonly clusterName: string;
  /** "host:port" for TCP or the socket path for a unix pipe. */
  readonly target: { readonly host: string; readonly port: number } | { readonly pipe: string };
  /** Which types come over ADS (cds_config / lds_config with ads: {}). */
  readonly cds: boolean;
  readonly lds: boolean;
}

export interface Bootstrap {
  readonly raw: Json;
  readonly node: NodeIdentity;
  readonly admin: { readonly address: string; readonly port: number } | undefined;
  readonly staticSnapshot: XdsSnapshot;
  readonly ads: AdsSettings | undefined;
}

/** Deep merge with Envoy's --config-yaml semantics: objects merge, lists concatenate, scalars replace. */
export function mergeBootstrap(base: Json, overlay: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    const cur = out[k];
    if (isObject(cur) && isObject(v)) out[k] = mergeBootstrap(cur, v);
    else if (Array.isArray(cur) && Array.isArray(v)) out[k] = [...cur, ...v];
    else out[k] = v;
  }
  return out;
}

/** Parses bootstrap text (JSON is valid YAML). */
export function parseBootstrapText(text: string, source: string): Json {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(source, `cannot parse: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isObject(doc)) throw new ConfigError(source, 'the bootstrap must be an object');
  return doc;
}

/** Loads `-c` and `--config-yaml` as Envoy does. */
export function loadBootstrap(opts: { configPath?: string | undefined; configYaml?: string | undefined; serviceNode?: string | undefined; serviceCluster?: string | undefined }): Bootstrap {
  let raw: Json = {};
  if (opts.configPath) {
    let text: string;
    try {
      text = readFileSync(opts.configPath, 'utf8');
    } catch (e) {
      throw new ConfigError(opts.configPath, `cannot read: ${(e as Error).message}`);
    }
    raw = parseBootstrapText(text, opts.configPath);
  }
  if (opts.configYaml) raw = mergeBootstrap(raw, parseBootstrapText(opts.configYaml, '--config-yaml'));
  if (!opts.configPath && !opts.configYaml) throw new ConfigError('-c', 'a bootstrap file (-c) or --config-yaml is required');
  return compileBootstrap(raw, opts);
}

function byName(list: unknown[], path: string, kind: string): Map<string, Json> {
  const m = new Map<string, Json>();
  list.forEach((v, i) => {
    const o = obj(v, `${path}[${i}]`);
    const name = reqStr(o['name'], `${path}[${i}].name`);
    if (m.has(name)) throw new ConfigError(`${path}[${i}].name`, `duplicate ${kind} "${name}"`);
    m.set(name, o);
  });
  return m;
}

/** Interprets a parsed bootstrap. */
export function compileBootstrap(raw: Json, opts: { serviceNode?: string | undefined; serviceCluster?: string | undefined } = {}): Bootstrap {
  const node = obj(raw['node'], 'node');
  const identity: NodeIdentity = {
    id: opts.serviceNode ?? str(node['id'], 'node.id'),
    cluster: opts.serviceCluster ?? str(node['cluster'], 'node.cluster'),
    metadata: obj(node['metadata'], 'node.metadata'),
    locality: optObj(node['locality'], 'node.locality'),
  };
  const adminObj = optObj(raw['admin'], 'admin');
  let admin: Bootstrap['admin'];
  if (adminObj && adminObj['address'] !== undefined) {
    const a = parseAddress(adminObj['address'], 'admin.address');
    admin = { address: a.address, port: a.port };
  }
  const sr = obj(raw['static_resources'], 'static_resources');
  const listeners = byName(arr(sr['listeners'], 'static_resources.listeners'), 'static_resources.listeners', 'listener');
  const clusters = byName(arr(sr['clusters'], 'static_resources.clusters'), 'static_resources.clusters', 'cluster');
  const secrets = byName(arr(sr['secrets'], 'static_resources.secrets'), 'static_resources.secrets', 'secret');
  const staticSnapshot: XdsSnapshot = { listeners, clusters, routes: new Map(), endpoints: new Map(), secrets, versions: new Map() };
  let ads: AdsSettings | undefined;
  const dr = optObj(raw['dynamic_resources'], 'dynamic_resources');
  const adsCfg = dr ? optObj(dr['ads_config'], 'dynamic_resources.ads_config') : undefined;
  if (dr && adsCfg) {
    const p = 'dynamic_resources.ads_config';
    const apiType = enumOf(adsCfg['api_type'], `${p}.api_type`, ['GRPC', 'DELTA_GRPC', 'AGGREGATED_GRPC', 'AGGREGATED_DELTA_GRPC'] as const, 'GRPC');
    const services = arr(adsCfg['grpc_services'], `${p}.grpc_services`);
    const svc = obj(services[0], `${p}.grpc_services[0]`);
    const eg = optObj(svc['envoy_grpc'], `${p}.grpc_services[0].envoy_grpc`);
    if (!eg) throw new ConfigError(`${p}.grpc_services[0]`, 'envoy_grpc with cluster_name is required');
    const clusterName = reqStr(eg['cluster_name'], `${p}.grpc_services[0].envoy_grpc.cluster_name`);
    const cluster = clusters.get(clusterName);
    if (!cluster) throw new ConfigError(`${p}.grpc_services[0].envoy_grpc.cluster_name`, `static cluster "${clusterName}" is not defined`);
    const hosts = parseLoadAssignment(obj(cluster['load_assignment'], `cluster ${clusterName}.load_assignment`), `static_resources.clusters[${clusterName}].load_assignment`);
    const h = hosts[0];
    if (!h) throw new ConfigError(`static_resources.clusters[${clusterName}].load_assignment`, 'needs an endpoint');
    const isAds = (v: unknown): boolean => isObject(v) && v['ads'] !== undefined;
    ads = {
      apiType: apiType.includes('DELTA') ? 'DELTA_GRPC' : 'GRPC',
      clusterName,
      target: h.pipe !== undefined ? { pipe: h.pipe } : { host: h.address, port: h.port },
      cds: isAds(dr['cds_config']),
      lds: isAds(dr['lds_config']),
    };
  }
  return { raw, node: identity, admin, staticSnapshot, ads };
}

/** Static resources plus what ADS delivered; static names win, as Envoy does not let xDS replace them. */
export function mergeSnapshots(staticSnap: XdsSnapshot, dynamic: XdsSnapshot): XdsSnapshot {
  const merge = (a: ReadonlyMap<string, Json>, b: ReadonlyMap<string, Json>): Map<string, Json> => {
    const out = new Map(b);
    for (const [k, v] of a) out.set(k, v);
    return out;
  };
  return {
    listeners: merge(staticSnap.listeners, dynamic.listeners),
    clusters: merge(staticSnap.clusters, dynamic.clusters),
    routes: merge(staticSnap.routes, dynamic.routes),
    endpoints: merge(staticSnap.endpoints, dynamic.endpoints),
    secrets: merge(staticSnap.secrets, dynamic.secrets),
    versions: dynamic.versions,
  };
}
