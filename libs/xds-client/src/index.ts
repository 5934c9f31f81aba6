// Public surface of @mesh/xds-client: the proxy's ADS client.
export { XdsClient } from './xds-client.ts';
export type { XdsClientAckEvent, XdsClientEvents, XdsClientNackEvent, XdsClientOptions, XdsClientTypeStatus } from './xds-client.ts';
export { endpointNames, resourceName, routeNames, secretNames } from './resource-refs.ts';
