// Public surface of @mesh/sockopt.
export {};
