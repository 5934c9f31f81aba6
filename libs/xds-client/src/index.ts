// Public surface of @mesh/xds-client: the proxy's ADS client and its SDS config-source streams.
export { XdsClient } from './xds-client.ts';
export type { XdsClientAckEvent, XdsClientEvents, XdsClientNackEvent, XdsClientOptions, XdsClientTypeStatus } from './xds-client.ts';
export { endpointNames, resourceName, routeNames, secretConfigs, secretNames } from './resource-refs.ts';
export { SdsClient, type SdsClientEvents, type SdsClientOptions } from './sds-client.ts';
export { SdsSecretSources, type SdsSecretSourcesEvents, type SdsSecretSourcesOptions, type SdsSourceStatus } from './sds-secret-sources.ts';
export { clusterTarget, sdsSourceOf, sdsSourceRefs, type SdsSource, type SdsSourceRefs } from './sds-sources.ts';
