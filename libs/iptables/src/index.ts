// Public surface of @mesh/iptables.
export {};
