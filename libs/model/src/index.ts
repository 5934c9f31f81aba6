// Public surface of @mesh/model.
export {};
