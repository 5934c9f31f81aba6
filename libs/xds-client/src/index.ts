// Public surface of @mesh/xds-client.
export {};
