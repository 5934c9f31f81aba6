import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Envoy/Istio level names mapped onto pino's. */
const levelAliases: Record<string, LevelWithSilent> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  fatal: 'fatal',
  off: 'silent',
  none: 'silent',
  silent: 'silent',
};

/** Turns a user-given level (Envoy, Istio or pino spelling) into a pino level; unknown names give info. */
export function normalizeLevel(level: string | undefined): LevelWithSilent {
  return (level && levelAliases[level.toLowerCase()]) || 'info';
}

/** A structured JSON logger for one component; one line per event. LOG_LEVEL overrides the default level. */
export function createLogger(component: string, level?: string): Logger {
  return pino({
    name: component,
    level: normalizeLevel(level ?? process.env['LOG_LEVEL']),
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
