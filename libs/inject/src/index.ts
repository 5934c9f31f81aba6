// Public surface of @mesh/inject.
export {};
