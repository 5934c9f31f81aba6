// Public surface of @mesh/validation.
export {};
