// Minimal structured logger writing one line per event to stderr (stdout is reserved for --dry-run output).
// pino is not a declared dependency of this package yet; this keeps the same one-JSON-object-per-line shape.

/** A sink for text (stderr by default); tests pass their own. */
export type Write = (text: string) => void;

/** Log levels in increasing severity. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured logger used by the executor and the CLI. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Parses upstream's --log_output_level ("default:info", "all:debug", "debug"). */
export function levelFromFlag(flag: string): Level {
  const value = flag.split(',').map((s) => s.split(':').pop()?.trim() ?? '').find((v) => v in ORDER || v === 'warning');
  if (value === 'warning') return 'warn';
  return (value as Level | undefined) ?? 'info';
}

/** Creates a logger; JSON lines when `json`, else "time level msg key=value" text lines. */
export function createLogger(opts: { json: boolean; level: Level; write?: Write }): Logger {
  const write = opts.write ?? ((text: string) => process.stderr.write(text));
  const emit = (level: Level, msg: string, fields: Record<string, unknown> = {}): void => {
    if (ORDER[level] < ORDER[opts.level]) return;
    const time = new Date().toISOString();
    if (opts.json) {
      write(`${JSON.stringify({ time, level, scope: 'istio-iptables', msg, ...fields })}\n`);
    } else {
      const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('');
      write(`${time}\t${level}\t${msg}${extra}\n`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
