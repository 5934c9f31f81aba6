// Public surface of @mesh/kube.
export {};
