// Reading Envoy's JSON form with field paths in every error. Compilation throws ConfigError; the compiler
// catches it per resource and reports "<kind> <name>: <path>: <reason>".

/** A config problem at a field path. */
export class ConfigError extends Error {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

export type Json = { [key: string]: unknown };

/** True for a plain JSON object. */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `path`, or an empty object when absent. */
export function obj(v: unknown, path: string): Json {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new ConfigError(path, 'must be an object');
  return v;
}

/** The object at `path`, or undefined when absent. */
export function optObj(v: unknown, path: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new ConfigError(path, 'must be an object');
  return v;
}

/** The array at `path`, or an empty array when absent. */
export function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(path, 'must be a list');
  return v;
}

/** A string field, or `def` when absent. */
export function str(v: unknown, path: string, def = ''): string {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'string') throw new ConfigError(path, 'must be a string');
  return v;
}

/** A required non-empty string field. */
export function reqStr(v: unknown, path: string): string {
  const s = str(v, path);
  if (s === '') throw new ConfigError(path, 'is required');
  return s;
}

/** A boolean field (also accepts the BoolValue wrapper form {value}). */
export function bool(v: unknown, path: string, def = false): boolean {
  if (v === undefined || v === null) return def;
  if (isObject(v)) return bool(v['value'], path, def);
  if (typeof v !== 'boolean') throw new ConfigError(path, 'must be a boolean');
  return v;
}

/** An unsigned integer (numbers, uint64 strings, and {value} wrappers are accepted). */
export function uint(v: unknown, path: string, def: number): number {
  if (v === undefined || v === null) return def;
  if (isObject(v)) return uint(v['value'], path, def);
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ConfigError(path, 'must be a non-negative integer');
  return n;
}

/** A number field (double). */
export function num(v: unknown, path: string, def: number): number {
  if (v === undefined || v === null) return def;
  if (isObject(v)) return num(v['value'], path, def);
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new ConfigError(path, 'must be a number');
  return n;
}

/** A Duration ("1.5s" or {seconds, nanos}) in milliseconds; `def` when absent. */
export function durationMs(v: unknown, path: string, def: number): number;
export function durationMs(v: unknown, path: string, def: number | undefined): number | undefined;
export function durationMs(v: unknown, path: string, def: number | undefined): number | undefined {
  if (v === undefined || v === null) return def;
  if (typeof v === 'string') {
    const m = /^(-?\d+(?:\.\d+)?)s$/.exec(v);
    if (!m || m[1] === undefined) throw new ConfigError(path, `invalid duration "${v}" (expected e.g. "1.5s")`);
    const ms = Number(m[1]) * 1000;
    if (ms < 0) throw new ConfigError(path, 'duration must not be negative');
    return ms;
  }
  if (isObject(v)) {
    const s = num(v['seconds'], `${path}.seconds`, 0);
    const n = num(v['nanos'], `${path}.nanos`, 0);
    const ms = s * 1000 + n / 1e6;
    if (ms < 0) throw new ConfigError(path, 'duration must not be negative');
    return ms;
  }
  throw new ConfigError(path, 'must be a duration');
}

/** One of the allowed enum names (numbers map by index). */
export function enumOf<T extends string>(v: unknown, path: string, allowed: readonly T[], def: T): T {
  if (v === undefined || v === null) return def;
  if (typeof v === 'number' && allowed[v] !== undefined) return allowed[v] as T;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(path, `unsupported value ${JSON.stringify(v)} (supported: ${allowed.join(', ')})`);
  }
  return v as T;
}

/** The `@type` of an Any (type URL), or '' when absent. */
export function anyType(v: Json): string {
  const t = v['@type'];
  return typeof t === 'string' ? t : '';
}

/** Compiles an RE2-style regex as a full-match JS RegExp. */
export function fullRegex(pattern: unknown, path: string, flags = ''): RegExp {
  const p = reqStr(pattern, path);
  try {
    return new RegExp(`^(?:${p})$`, flags);
  } catch (e) {
    throw new ConfigError(path, `invalid regex: ${(e as Error).message}`);
  }
}

/** Compiles a regex for search/replace (not anchored). */
export function searchRegex(pattern: unknown, path: string): RegExp {
  const p = reqStr(pattern, path);
  try {
    return new RegExp(p, 'g');
  } catch (e) {
    throw new ConfigError(path, `invalid regex: ${(e as Error).message}`);
  }
}

/** A FractionalPercent ({numerator, denominator}) or Percent ({value}) as a probability in [0, 1]. */
export function fraction(v: unknown, path: string, def: number): number {
  if (v === undefined || v === null) return def;
  const o = obj(v, path);
  if (o['value'] !== undefined) return Math.min(1, num(o['value'], `${path}.value`, 0) / 100);
  const n = uint(o['numerator'], `${path}.numerator`, 0);
  const d = enumOf(o['denominator'], `${path}.denominator`, ['HUNDRED', 'TEN_THOUSAND', 'MILLION'] as const, 'HUNDRED');
  const div = d === 'HUNDRED' ? 100 : d === 'TEN_THOUSAND' ? 10_000 : 1_000_000;
  return Math.min(1, n / div);
}
