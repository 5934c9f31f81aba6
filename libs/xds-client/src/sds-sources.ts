// SDS config sources of secrets that are not fetched over ADS: Istio points `default` and `ROOTCA` at the agent's
// unix socket with `sds_config.api_config_source` (envoy_grpc cluster `sds-grpc`). This groups referenced secret
// names by config source and resolves a source's gRPC service to a channel target.
import type { EnvoyJson } from '@mesh/xds';
import { servedByAds } from './resource-refs.ts';

/** One SDS api_config_source, as the client needs it. */
export interface SdsSource {
  /** Identity of the source: secrets with equal keys share one stream. */
  readonly key: string;
  readonly apiType: 'GRPC' | 'DELTA_GRPC';
  /** envoy_grpc names a static cluster; google_grpc gives a channel target directly. */
  readonly service: { readonly clusterName: string } | { readonly targetUri: string };
  readonly setNodeOnFirstMessageOnly: boolean;
  /** sds_config.initial_fetch_timeout (Envoy's default 15 s; 0 waits forever). */
  readonly initialFetchTimeoutMs: number;
}

/** Referenced secret names grouped by the source that serves them, and the configs that could not be used. */
export interface SdsSourceRefs {
  readonly sources: Map<string, { source: SdsSource; names: Set<string> }>;
  readonly errors: string[];
}

function isObject(value: unknown): value is EnvoyJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A protobuf JSON Duration ("0s", "1.5s", "15s") in milliseconds; undefined when absent or malformed. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** Reads `sds_config` of one SdsSecretConfig; `path` prefixes errors. Undefined for ADS-served secrets. */
export function sdsSourceOf(secretConfig: EnvoyJson, path: string): SdsSource | string | undefined {
  if (servedByAds(secretConfig)) return undefined;
  const config = secretConfig['sds_config'];
  if (!isObject(config)) return `${path}.sds_config: must be an object`;
  const api = config['api_config_source'];
  if (!isObject(api)) return `${path}.sds_config: only ads and api_config_source are supported`;
  const apiPath = `${path}.sds_config.api_config_source`;
  const apiType = api['api_type'] ?? 'GRPC';
  if (apiType !== 'GRPC' && apiType !== 'DELTA_GRPC') return `${apiPath}.api_type: ${String(apiType)} is not supported for SDS (use GRPC or DELTA_GRPC)`;
  const services = Array.isArray(api['grpc_services']) ? api['grpc_services'] : [];
  const first: unknown = services[0];
  if (!isObject(first)) return `${apiPath}.grpc_services: one gRPC service is required`;
  let service: SdsSource['service'];
  const envoyGrpc = first['envoy_grpc'];
  const googleGrpc = first['google_grpc'];
  if (isObject(envoyGrpc) && typeof envoyGrpc['cluster_name'] === 'string' && envoyGrpc['cluster_name'] !== '') service = { clusterName: envoyGrpc['cluster_name'] };
  else if (isObject(googleGrpc) && typeof googleGrpc['target_uri'] === 'string' && googleGrpc['target_uri'] !== '') service = { targetUri: googleGrpc['target_uri'] };
  else return `${apiPath}.grpc_services[0]: envoy_grpc.cluster_name or google_grpc.target_uri is required`;
  const setNodeOnFirstMessageOnly = api['set_node_on_first_message_only'] === true;
  const timeout = config['initial_fetch_timeout'];
  const initialFetchTimeoutMs = timeout === undefined ? 15_000 : durationMs(timeout);
  if (initialFetchTimeoutMs === undefined) return `${path}.sds_config.initial_fetch_timeout: ${JSON.stringify(timeout)} is not a duration`;
  const key = JSON.stringify({ apiType, service, setNodeOnFirstMessageOnly });
  return { key, apiType, service, setNodeOnFirstMessageOnly, initialFetchTimeoutMs };
}

/** Groups the names of non-ADS SdsSecretConfigs by source (the first config of a source sets its timeout). */
export function sdsSourceRefs(configs: Iterable<EnvoyJson>): SdsSourceRefs {
  const sources = new Map<string, { source: SdsSource; names: Set<string> }>();
  const errors = new Set<string>();
  for (const config of configs) {
    const name = String(config['name']);
    const source = sdsSourceOf(config, `secret ${JSON.stringify(name)}`);
    if (source === undefined) continue;
    if (typeof source === 'string') {
      errors.add(source);
      continue;
    }
    let entry = sources.get(source.key);
    if (entry === undefined) sources.set(source.key, (entry = { source, names: new Set() }));
    entry.names.add(name);
  }
  return { sources, errors: [...errors] };
}

/**
 * The gRPC channel target of a static cluster: its first endpoint, `unix:<path>` for a pipe, `host:port` for a
 * socket address. Undefined when the cluster has no usable endpoint.
 */
export function clusterTarget(cluster: EnvoyJson | undefined): string | undefined {
  const assignment = cluster?.['load_assignment'];
  if (!isObject(assignment) || !Array.isArray(assignment['endpoints'])) return undefined;
  for (const locality of assignment['endpoints']) {
    if (!isObject(locality) || !Array.isArray(locality['lb_endpoints'])) continue;
    for (const lbEndpoint of locality['lb_endpoints']) {
      const endpoint = isObject(lbEndpoint) ? lbEndpoint['endpoint'] : undefined;
      const address = isObject(endpoint) ? endpoint['address'] : undefined;
      if (!isObject(address)) continue;
      const pipe = address['pipe'];
      if (isObject(pipe) && typeof pipe['path'] === 'string' && pipe['path'] !== '') return `unix:${pipe['path']}`;
      const socket = address['socket_address'];
      if (isObject(socket) && typeof socket['address'] === 'string') {
        const port = Number(socket['port_value'] ?? 0);
        if (!Number.isInteger(port) || port <= 0) continue;
        const host = socket['address'].includes(':') ? `[${socket['address']}]` : socket['address'];
        return `${host}:${port}`;
      }
    }
  }
  return undefined;
}
