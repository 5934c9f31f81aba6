// Public surface of @mesh/bookinfo.
export {};
