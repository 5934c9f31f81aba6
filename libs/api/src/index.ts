// Public surface of @mesh/api.
export {};
