// Public surface of @mesh/security.
export {};
