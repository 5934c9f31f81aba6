// Public surface of @mesh/xds: type URLs, the snapshot contract, the proto codec and the ADS server.
export * from './type-urls.ts';
export * from './snapshot.ts';
