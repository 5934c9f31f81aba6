// Proto3 JSON forms of the scalar-like well-known types and of 64-bit ints, floats and bytes.
import { CodecError, describeJson } from './codec-error.ts';

const maxDurationSeconds = 315_576_000_000n;
const durationPattern = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

/** Seconds and nanos of a Duration or Timestamp, seconds as a decimal string (64-bit). */
export interface SecondsNanos {
  seconds: string;
  nanos: number;
}

/** Parses "1.5s" / "-0.001s" into seconds and nanos (both carrying the sign). */
export function parseDuration(value: unknown, path: string): SecondsNanos {
  if (typeof value !== 'string') throw new CodecError(path, `expected a duration string such as "5s", got ${describeJson(value)}`);
  const match = durationPattern.exec(value);
  if (match === null) throw new CodecError(path, `invalid duration "${value}": expected seconds with up to 9 fractional digits and an "s" suffix`);
  const negative = match[1] === '-';
  const seconds = BigInt(match[2] ?? '0');
  if (seconds > maxDurationSeconds) throw new CodecError(path, `duration "${value}" is out of range (max ±315576000000s)`);
  const nanos = Number((match[3] ?? '').padEnd(9, '0'));
  return { seconds: (negative && seconds !== 0n ? -seconds : seconds).toString(), nanos: negative ? -nanos : nanos };
}

/** Prints a fraction of a second with 0, 3, 6 or 9 digits, as the proto3 JSON mapping prescribes. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (digits.endsWith('000000')) return `.${digits.slice(0, 3)}`;
  if (digits.endsWith('000')) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

/** Formats a Duration as "1.500s". */
export function formatDuration(seconds: bigint, nanos: number): string {
  const negative = seconds < 0n || nanos < 0;
  const abs = seconds < 0n ? -seconds : seconds;
  return `${negative ? '-' : ''}${abs.toString()}${fraction(Math.abs(nanos))}s`;
}

const timestampPattern = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const minTimestampSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
const maxTimestampSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

/** Parses an RFC 3339 timestamp ("2026-01-02T03:04:05.5Z", any offset) into seconds and nanos since the epoch. */
export function parseTimestamp(value: unknown, path: string): SecondsNanos {
  if (typeof value !== 'string') throw new CodecError(path, `expected an RFC 3339 timestamp string, got ${describeJson(value)}`);
  const match = timestampPattern.exec(value);
  const millis = match === null ? NaN : Date.parse(`${match[1]}T${match[2]}${(match[4] ?? 'Z').toUpperCase()}`);
  if (match === null || Number.isNaN(millis)) throw new CodecError(path, `invalid timestamp "${value}": expected RFC 3339 such as "1972-01-01T10:00:20.021Z"`);
  const seconds = Math.floor(millis / 1000);
  if (seconds < minTimestampSeconds || seconds > maxTimestampSeconds) throw new CodecError(path, `timestamp "${value}" is out of range`);
  return { seconds: String(seconds), nanos: Number((match[3] ?? '').padEnd(9, '0')) };
}

/** Formats a Timestamp as RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits. */
export function formatTimestamp(seconds: bigint, nanos: number): string {
  const iso = new Date(Number(seconds) * 1000).toISOString(); // always "...:ss.000Z"
  return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
}

/** snake_case → lowerCamelCase, as protoc derives json_name. */
export function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** lowerCamelCase → snake_case, for FieldMask paths. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Parses a FieldMask JSON string "fooBar,baz.qux" into snake_case paths. */
export function parseFieldMask(value: unknown, path: string): string[] {
  if (typeof value !== 'string') throw new CodecError(path, `expected a field mask string such as "fooBar,baz", got ${describeJson(value)}`);
  if (value === '') return [];
  return value.split(',').map((p) => p.split('.').map(snakeCase).join('.'));
}

/** Formats FieldMask paths as the JSON string form. */
export function formatFieldMask(paths: readonly string[]): string {
  return paths.map((p) => p.split('.').map(lowerCamel).join('.')).join(',');
}

const base64Pattern = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** Decodes standard or URL-safe base64, with or without padding. */
export function parseBytes(value: unknown, path: string): Uint8Array {
  if (typeof value !== 'string') throw new CodecError(path, `expected a base64 string, got ${describeJson(value)}`);
  if (!base64Pattern.test(value) || value.replace(/=+$/, '').length % 4 === 1) throw new CodecError(path, 'invalid base64');
  return new Uint8Array(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

/** Encodes bytes as standard padded base64. */
export function formatBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const integerPattern = /^-?\d+$/;

const int64Range = { signed: [-(2n ** 63n), 2n ** 63n - 1n], unsigned: [0n, 2n ** 64n - 1n] } as const;

/** Parses a 64-bit integer given as a JSON number or decimal string into a decimal string. */
export function parseInt64(value: unknown, unsigned: boolean, path: string): string {
  let big: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else if (typeof value === 'string' && integerPattern.test(value.trim())) big = BigInt(value.trim());
  else if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) && Number.isInteger(Number(value))) big = BigInt(Number(value));
  else throw new CodecError(path, `expected a ${unsigned ? 'uint64' : 'int64'} (number or decimal string), got ${describeJson(value)}`);
  const [min, max] = unsigned ? int64Range.unsigned : int64Range.signed;
  if (big < min || big > max) throw new CodecError(path, `${big.toString()} is out of range for ${unsigned ? 'uint64' : 'int64'}`);
  return big.toString();
}

/** Parses a 32-bit integer given as a JSON number or numeric string. */
export function parseInt32(value: unknown, unsigned: boolean, path: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new CodecError(path, `expected a ${unsigned ? 'uint32' : 'int32'}, got ${describeJson(value)}`);
  const ok = unsigned ? n >= 0 && n <= 0xffffffff : n >= -0x80000000 && n <= 0x7fffffff;
  if (!ok) throw new CodecError(path, `${n} is out of range for ${unsigned ? 'uint32' : 'int32'}`);
  return n;
}

/** Parses a float/double from a number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
export function parseFloating(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw new CodecError(path, `expected a number, got ${describeJson(value)}`);
}

/** Formats a double (or a float widened to double) for JSON; non-finite values become their string names. */
export function formatFloating(value: number, isFloat: boolean): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (!isFloat) return value;
  // A float decoded into a double prints as 0.10000000149011612; print the shortest decimal that is the same float.
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}
