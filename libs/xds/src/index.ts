// Public surface of @mesh/xds: type URLs, the snapshot contract, the proto codec and the ADS server.
export * from './type-urls.ts';
export * from './snapshot.ts';
export { CodecError, checkJson, decode, encode, normalize, packAny, unpackAny } from './codec.ts';
export type { EncodeOptions, PackedAny } from './codec.ts';
export { findMessage, lookupMessage, protoLoadMillis, protoRoot } from './protos.ts';
export { AdsServer } from './ads-server.ts';
export { markImmutable } from './ads-connection.ts';
export { LayeredResources } from './layered-resources.ts';
export type { AdsServerOptions } from './ads-server.ts';
export { StaticProvider } from './static-provider.ts';
export { contentHash, rememberContentHash } from './resource-encoding.ts';
export { WriteBudget, defaultWriteBudgetBytes } from './write-budget.ts';
export { silentLogger } from './ads-types.ts';
export type {
  AdsAckEvent,
  AdsConnectionInfo,
  AdsConnectionStatus,
  AdsMode,
  AdsNackEvent,
  AdsProvider,
  AdsResponseEvent,
  AdsServerEvents,
  AdsTypeStatus,
  GeneratedResources,
  NackRecord,
  PushFilter,
  XdsLogger,
} from './ads-types.ts';
export { adsServiceDefinition } from './ads-service.ts';
export {
  decodeDeltaRequest,
  decodeDeltaResponse,
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  encodeDeltaRequest,
  encodeDeltaResponse,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
} from './discovery-wire.ts';
export type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DeltaResource,
  DiscoveryRequest,
  DiscoveryResponse,
  RpcStatus,
} from './discovery-wire.ts';
