// Public surface of @mesh/xds.
export {};
