import { join } from 'node:path';
import type { NodeMetadata } from '../node-metadata.ts';
import type { ProxyConfig } from '../proxy-config/proxy-config.ts';
import { serviceCluster } from '../node-metadata.ts';
import { coreClusters } from './clusters.ts';
import { staticListeners } from './listeners.ts';
import { buildStatsConfig, statsIntervals } from './stats-config.ts';
import { buildTelemetry } from './telemetry.ts';

type Json = Record<string, unknown>;

/** Everything the bootstrap generator needs besides node metadata. */
export interface BootstrapInput {
  nodeId: string;
  node: NodeMetadata;
  proxyConfig: ProxyConfig;
  instanceIps: string[];
  /** Path of the agent's xDS socket as Envoy should dial it (cluster xds-grpc). */
  xdsSocketPath: string;
  /** Path of the SDS socket (cluster sds-grpc). */
  sdsSocketPath: string;
  envoyStatusPort?: number;
  envoyPrometheusPort?: number;
  secureMetricsPort?: number;
  secureMergedMetricsPort?: number;
  /** Use "DELTA_GRPC" (default, as ISTIO_DELTA_XDS=true) or "GRPC". */
  adsApiType?: 'DELTA_GRPC' | 'GRPC';
  logJson?: boolean;
  ipv6?: boolean;
}

/** Runtime flags Istio always sets (`option.RuntimeFlags` defaults). */
const baseRuntimeFlags: Json = {
  'envoy.deprecated_features:envoy.config.listener.v3.Listener.hidden_envoy_deprecated_use_original_dst': true,
  'envoy.reloadable_features.coalesce_lb_rebuilds_on_batch_update': false,
  'envoy.reloadable_features.fixed_heap_use_allocated': true,
  'envoy.reloadable_features.http_reject_path_with_fragment': false,
  're2.max_program_size.error_level': '32768',
};

/** Runtime values are strings; "true"/"false" become booleans as upstream does. */
function runtimeLayer(pc: ProxyConfig): Json {
  const out: Json = { ...baseRuntimeFlags };
  for (const [k, v] of Object.entries(pc.runtimeValues ?? {})) {
    out[k] = v === 'true' ? true : v === 'false' ? false : v;
  }
  return out;
}

const MAX_CONNECTIONS_DEFAULT = 2147483647;

/** connectionSettings > ISTIO_META_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS > runtime value > default. */
function maxDownstreamConnections(pc: ProxyConfig, node: NodeMetadata): number {
  const fromSettings = pc.connectionSettings?.globalDownstreamConnectionLimit;
  if (typeof fromSettings === 'number' && fromSettings > 0) return fromSettings;
  for (const v of [node.metadata['GLOBAL_DOWNSTREAM_MAX_CONNECTIONS'], pc.runtimeValues?.['overload.global_downstream_max_connections']]) {
    const n = Number(v);
    if (v !== undefined && Number.isInteger(n) && n > 0) return n;
  }
  return MAX_CONNECTIONS_DEFAULT;
}

function locality(node: NodeMetadata): Json {
  const l: Json = {};
  if (node.locality.region) l['region'] = node.locality.region;
  if (node.locality.zone) l['zone'] = node.locality.zone;
  if (node.locality.subZone) l['sub_zone'] = node.locality.subZone;
  return l;
}

/** Where the Lightstep access token file goes (written by the agent before Envoy starts). */
export function lightstepTokenPath(pc: ProxyConfig): string {
  return join(pc.configPath ?? '.', 'lightstep_access_token.txt');
}

/** Builds the Envoy bootstrap object (same shape as upstream's envoy_bootstrap.json rendering). */
export function buildBootstrap(input: BootstrapInput): Json {
  const pc = input.proxyConfig;
  const node = input.node;
  const cluster = serviceCluster(node, pc);
  const adminPort = pc.proxyAdminPort ?? 15000;
  const wildcard = input.ipv6 ? '::' : '0.0.0.0';
  const localhost = input.ipv6 ? '::1' : '127.0.0.1';
  const telemetry = buildTelemetry(pc, cluster, lightstepTokenPath(pc));
  const metadataDiscovery = node.metadata['METADATA_DISCOVERY'] === 'true';
  const intervals = statsIntervals(node);

  const out: Json = {
    application_log_config: {
      log_format: input.logJson
        ? { json_format: { time: '%Y-%m-%dT%T.%fZ', level: '%l', scope: 'envoy %n', msg: '%j', caller: '%g:%#', thread: '%t' } }
        : { text_format: '%Y-%m-%dT%T.%fZ\t%l\tenvoy %n %g:%#\t%v\tthread=%t' },
    },
    node: { id: input.nodeId, cluster, locality: locality(node), metadata: node.metadata },
    layered_runtime: {
      layers: [
        { name: 'global config', static_layer: runtimeLayer(pc) },
        { name: 'admin', admin_layer: {} },
      ],
    },
    bootstrap_extensions: [
      ...(metadataDiscovery
        ? [
            {
              name: 'metadata_discovery',
              typed_config: {
                '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                type_url: 'type.googleapis.com/istio.workload.BootstrapExtension',
                value: { config_source: { ads: {} } },
              },
            },
          ]
        : []),
      {
        name: 'envoy.bootstrap.internal_listener',
        typed_config: {
          '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
          type_url: 'type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener',
          value: { buffer_size_kb: 64 },
        },
      },
    ],
  };
  if (intervals.flush) out['stats_flush_interval'] = intervals.flush;
  if (intervals.eviction) out['stats_eviction_interval'] = intervals.eviction;
  out['stats_config'] = buildStatsConfig(node, pc, input.instanceIps);
  out['admin'] = {
    access_log: [
      {
        name: 'envoy.access_loggers.file',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/null' },
      },
    ],
    profile_path: '/var/lib/istio/data/envoy.prof',
    address: { socket_address: { address: localhost, port_value: adminPort } },
  };
  const adsSource = { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' };
  out['dynamic_resources'] = {
    lds_config: adsSource,
    cds_config: adsSource,
    ads_config: {
      api_type: input.adsApiType ?? 'DELTA_GRPC',
      set_node_on_first_message_only: true,
      transport_api_version: 'V3',
      grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
    },
  };
  out['static_resources'] = {
    clusters: [
      ...coreClusters({ adminPort, statusPort: pc.statusPort ?? 15020, sdsPath: input.sdsSocketPath, xdsPath: input.xdsSocketPath }),
      ...telemetry.clusters,
    ],
    listeners: staticListeners({
      wildcard,
      prometheusPort: input.envoyPrometheusPort ?? 15090,
      statusPort: input.envoyStatusPort ?? 15021,
      statsCompression: pc.statsCompression !== false,
      ...(input.secureMetricsPort ? { secureMetricsPort: input.secureMetricsPort } : {}),
      ...(input.secureMergedMetricsPort ? { secureMergedMetricsPort: input.secureMergedMetricsPort } : {}),
    }),
  };
  out['overload_manager'] = {
    resource_monitors: [
      {
        name: 'envoy.resource_monitors.global_downstream_max_connections',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
          max_active_downstream_connections: maxDownstreamConnections(pc, node),
        },
      },
    ],
  };
  if (telemetry.tracing) out['tracing'] = telemetry.tracing;
  if (telemetry.statsSinks) out['stats_sinks'] = telemetry.statsSinks;
  const outlier = node.metadata['OUTLIER_LOG_PATH'];
  const lrs = node.metadata['LOAD_STATS_CONFIG_JSON'];
  const cm: Json = {};
  if (typeof outlier === 'string' && outlier) cm['outlier_detection'] = { event_log_path: outlier };
  if (typeof lrs === 'string' && lrs) {
    try {
      cm['load_stats_config'] = JSON.parse(lrs) as unknown;
    } catch {
      throw new Error(`node metadata LOAD_STATS_CONFIG_JSON: not valid JSON`);
    }
  }
  if (Object.keys(cm).length > 0) {
    cm['enable_deferred_cluster_creation'] = true;
    out['cluster_manager'] = cm;
  }
  out['deferred_stat_options'] = { enable_deferred_creation_stats: true };
  return out;
}
