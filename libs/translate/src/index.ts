// Public surface of @mesh/translate.
export {};
