// What a set of clusters and listeners refers to: EDS service names, RDS route config names, SDS secret names.
// These drive the client's non-wildcard subscriptions.
import { TypeUrl, type EnvoyJson } from '@mesh/xds';

const hcmType = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function isObject(value: unknown): value is EnvoyJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The name a resource is known by: `cluster_name` for ClusterLoadAssignment, `name` for the others. */
export function resourceName(typeUrl: string, resource: EnvoyJson): string {
  const name = typeUrl === TypeUrl.ClusterLoadAssignment ? resource['cluster_name'] : resource['name'];
  return typeof name === 'string' ? name : '';
}

/** EDS resource names of EDS clusters (eds_cluster_config.service_name, else the cluster name). */
export function endpointNames(clusters: Iterable<EnvoyJson>): Set<string> {
  const names = new Set<string>();
  for (const cluster of clusters) {
    if (cluster['type'] !== 'EDS') continue;
    const eds = cluster['eds_cluster_config'];
    const serviceName = isObject(eds) ? eds['service_name'] : undefined;
    const name = typeof serviceName === 'string' && serviceName !== '' ? serviceName : cluster['name'];
    if (typeof name === 'string' && name !== '') names.add(name);
  }
  return names;
}

function hcmRouteName(typedConfig: unknown): string | undefined {
  if (!isObject(typedConfig)) return undefined;
  const type = typedConfig['@type'];
  if (typeof type !== 'string' || !type.endsWith(`/${hcmType}`)) return undefined;
  const rds = typedConfig['rds'];
  const name = isObject(rds) ? rds['route_config_name'] : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** RDS names used by HTTP connection managers in listeners' filter chains (and API listeners). */
export function routeNames(listeners: Iterable<EnvoyJson>): Set<string> {
  const names = new Set<string>();
  const add = (name: string | undefined): void => {
    if (name !== undefined) names.add(name);
  };
  for (const listener of listeners) {
    const chains = [...asArray(listener['filter_chains']), listener['default_filter_chain']];
    for (const chain of chains) {
      if (!isObject(chain)) continue;
      for (const filter of asArray(chain['filters'])) if (isObject(filter)) add(hcmRouteName(filter['typed_config']));
    }
    const api = listener['api_listener'];
    if (isObject(api)) add(hcmRouteName(api['api_listener']));
  }
  return names;
}

/** True when an SdsSecretConfig is fetched over ADS (no sds_config, or sds_config.ads). */
export function servedByAds(secretConfig: EnvoyJson): boolean {
  const source = secretConfig['sds_config'];
  return source === undefined || (isObject(source) && 'ads' in source);
}

function collectSecretConfigs(value: unknown, out: EnvoyJson[], depth: number): void {
  if (depth > 40) return;
  if (Array.isArray(value)) {
    for (const item of value) collectSecretConfigs(item, out, depth + 1);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (key.endsWith('sds_secret_config') && isObject(item)) {
      if (typeof item['name'] === 'string' && item['name'] !== '') out.push(item);
    } else if (key.endsWith('sds_secret_configs') && Array.isArray(item)) {
      for (const config of item) if (isObject(config) && typeof config['name'] === 'string' && config['name'] !== '') out.push(config);
    } else collectSecretConfigs(item, out, depth + 1);
  }
}

/** Every SdsSecretConfig (with a name) in the transport sockets of clusters and listeners' filter chains. */
export function secretConfigs(clusters: Iterable<EnvoyJson>, listeners: Iterable<EnvoyJson>): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const cluster of clusters) {
    collectSecretConfigs(cluster['transport_socket'], out, 0);
    collectSecretConfigs(cluster['transport_socket_matches'], out, 0);
  }
  for (const listener of listeners) {
    for (const chain of [...asArray(listener['filter_chains']), listener['default_filter_chain']]) {
      if (isObject(chain)) collectSecretConfigs(chain['transport_socket'], out, 0);
    }
  }
  return out;
}

/**
 * SDS names referenced by transport sockets of clusters and listeners, when served over ADS. Secrets with their
 * own sds_config.api_config_source (Istio's agent socket) come from that source, not from this client.
 */
export function secretNames(clusters: Iterable<EnvoyJson>, listeners: Iterable<EnvoyJson>): Set<string> {
  const names = new Set<string>();
  for (const config of secretConfigs(clusters, listeners)) if (servedByAds(config)) names.add(config['name'] as string);
  return names;
}
