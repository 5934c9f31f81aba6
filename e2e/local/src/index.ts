// Public surface of @mesh/local.
export {};
