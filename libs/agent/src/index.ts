// Public surface of @mesh/agent.
export {};
