// The agent's workload certificates: secret cache with rotation and the SDS server Envoy reads them from.
export { SecretCache, type SecretCacheOptions, type WorkloadSecret } from './secret-cache.ts';
export { DEFAULT_SDS_SOCKET, secretDiscoveryServiceDefinition, startSdsServer, type SdsServer, type SdsServerOptions } from './sds-server.ts';
export { ROOT_SECRET, WORKLOAD_SECRET, secretResource } from './sds-resources.ts';
export { parseGoDuration, startWorkloadIdentity, type WorkloadIdentity, type WorkloadIdentityOptions } from './workload-identity.ts';
