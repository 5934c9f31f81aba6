// Public surface of @mesh/xds: type URLs, the snapshot contract, the proto codec and the ADS server.
export * from './type-urls.ts';
export * from './snapshot.ts';
export { CodecError, checkJson, decode, encode, normalize, packAny, unpackAny } from './codec.ts';
export type { EncodeOptions, PackedAny } from './codec.ts';
export { findMessage, lookupMessage, protoLoadMillis, protoRoot } from './protos.ts';
