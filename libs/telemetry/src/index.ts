// Public surface of @mesh/telemetry: structured logging (and, later, the standard Istio metrics).
export { createLogger, normalizeLevel, type Logger } from './logger.ts';
