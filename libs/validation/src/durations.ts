// Protobuf durations as they appear in YAML/JSON ("5s", "0.250s").

const PROTO_DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

/** Parses a proto-JSON duration into nanoseconds, or undefined when malformed. */
export function parseDuration(value: unknown): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const m = PROTO_DURATION.exec(value.trim());
  if (!m) return undefined;
  const seconds = BigInt(m[2] ?? '0');
  const nanos = BigInt((m[3] ?? '').padEnd(9, '0') || '0');
  const total = seconds * 1_000_000_000n + nanos;
  return m[1] ? -total : total;
}

const MS = 1_000_000n;

/** Upstream ValidateDuration: at least 1ms and millisecond precision. */
export function checkDuration(value: unknown): string | undefined {
  const ns = parseDuration(value);
  if (ns === undefined) return `invalid duration ${JSON.stringify(value)}: expected seconds with an "s" suffix, e.g. "1.5s"`;
  if (ns < MS) return 'duration must be greater than 1ms';
  if (ns % MS !== 0n) return 'only durations to ms precision are supported';
  return undefined;
}

/** True when a duration has a sub-second part. */
export function hasSubSecond(value: unknown): boolean {
  const ns = parseDuration(value);
  return ns !== undefined && ns % 1_000_000_000n !== 0n;
}
