// Public surface of @mesh/dataplane.
export {};
