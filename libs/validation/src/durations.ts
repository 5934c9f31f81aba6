// Durations as they appear in YAML/JSON: protobuf style ("5s", "0.250s") and, as Istio also accepts them,
// Go style ("3m", "1h30m", "250ms").

const PROTO_DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const GO_DURATION = /^([-+])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

function parseGoDuration(text: string): bigint | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let total = 0n;
  for (const m of text.matchAll(GO_PART)) {
    const [whole = '0', frac = ''] = (m[1] ?? '0').split('.');
    const unit = UNIT_NANOS[m[2] ?? 's'] ?? 1n;
    const fracDigits = frac.slice(0, 18);
    const scale = 10n ** BigInt(fracDigits.length);
    total += BigInt(whole || '0') * unit + (fracDigits ? (BigInt(fracDigits) * unit) / scale : 0n);
  }
  return text.startsWith('-') ? -total : total;
}

/** Parses a duration into nanoseconds, or undefined when malformed. */
export function parseDuration(value: unknown): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const m = PROTO_DURATION.exec(text);
  if (!m) return parseGoDuration(text);
  const seconds = BigInt(m[2] ?? '0');
  const nanos = BigInt((m[3] ?? '').padEnd(9, '0') || '0');
  const total = seconds * 1_000_000_000n + nanos;
  return m[1] ? -total : total;
}

const MS = 1_000_000n;

/** Upstream ValidateDuration: at least 1ms and millisecond precision. */
export function checkDuration(value: unknown): string | undefined {
  const ns = parseDuration(value);
  if (ns === undefined) return `invalid duration ${JSON.stringify(value)}: expected a duration such as "1.5s", "500ms" or "3m"`;
  if (ns < MS) return 'duration must be greater than 1ms';
  if (ns % MS !== 0n) return 'only durations to ms precision are supported';
  return undefined;
}

/** True when a duration has a sub-second part. */
export function hasSubSecond(value: unknown): boolean {
  const ns = parseDuration(value);
  return ns !== undefined && ns % 1_000_000_000n !== 0n;
}
