// Public surface of @mesh/telemetry.
export {};
