// Value parsers with Go semantics (strconv.ParseBool, time.ParseDuration), so flags and env behave like upstream.

/** Parses a boolean the way Go's strconv.ParseBool does; undefined when invalid. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

const durationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration ("5s", "1m30s", "250ms") into milliseconds; undefined when invalid. */
export function parseGoDuration(value: string): number | undefined {
  if (value === '0') return 0;
  const match = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(value);
  if (!match) return undefined;
  let total = 0;
  for (const part of value.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    const unit = durationUnits[part[2] ?? ''];
    if (unit === undefined) return undefined;
    total += Number(part[1]) * unit;
  }
  return match[1] === '-' ? -total : total;
}

/** Parses a TCP port number (0-65535); undefined when invalid. */
export function parsePort(value: string): number | undefined {
  if (!/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port <= 65535 ? port : undefined;
}
