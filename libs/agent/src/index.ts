// Public surface of @mesh/agent: bootstrap generation, xDS relay, proxy supervision, :15020.
export { buildBootstrap, lightstepTokenPath, splitHostPort, type BootstrapInput } from './bootstrap/index.ts';
export {
  buildNodeMetadata,
  parseDownwardApi,
  proxyConfigJson,
  serviceCluster,
  serviceNodeId,
  type NodeMetadata,
  type NodeMetadataInput,
} from './node-metadata.ts';
export { parseProtoText } from './proxy-config/proto-text.ts';
export { defaultProxyConfig, durationMs, mergeProxyConfig, parseProxyConfig, type ProxyConfig } from './proxy-config/proxy-config.ts';
export { parseAppProbers, type AppProbe, type ProbeResult } from './probes/probe-types.ts';
export { runProbe, type ProbeTarget } from './probes/run-probe.ts';
export { decodeHealthService, encodeHealthStatus, healthService } from './probes/grpc-probe.ts';
export { startStatusServer, type StatusServer, type StatusServerOptions } from './status/status-server.ts';
export { parsePrometheusAnnotations, scrapeMerged, type AppMetricsTarget } from './status/merged-metrics.ts';
export { envoyNotReadyReason, httpGet, parseEnvoyStats } from './status/envoy-readiness.ts';
export { adminPost, ProxySupervisor, type SupervisorOptions } from './supervisor.ts';
export { adsPassthroughService, DEFAULT_XDS_SOCKET, startXdsProxy, type XdsProxy, type XdsProxyOptions } from './xds/xds-proxy.ts';
export { CaClient, caClientOptionsFromEnv, type CaClientOptions } from './ca-client/index.ts';
export {
  DEFAULT_SDS_SOCKET,
  parseGoDuration,
  ROOT_SECRET,
  SecretCache,
  secretDiscoveryServiceDefinition,
  secretResource,
  startSdsServer,
  startWorkloadIdentity,
  WORKLOAD_SECRET,
  type SdsServer,
  type SdsServerOptions,
  type SecretCacheOptions,
  type WorkloadIdentity,
  type WorkloadIdentityOptions,
  type WorkloadSecret,
} from './sds/index.ts';
