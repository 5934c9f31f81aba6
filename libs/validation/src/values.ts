// Defensive readers for untyped (decoded YAML/JSON) input: they never throw and return undefined for the wrong shape,
// so each validator can treat "absent" and "wrong type" alike (the schema check reports wrong types separately).

/** A plain JSON object. */
export type Obj = Record<string, unknown>;

/** True for a plain object (not null, not an array). */
export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object, or undefined. */
export function obj(value: unknown): Obj | undefined {
  return isObj(value) ? value : undefined;
}

/** The value as an array, or undefined. */
export function arr(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** The value as a string; absent and non-strings read as ''. */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The value as a number; absent reads as 0, numeric strings are accepted (int-or-string fields). */
export function num(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return 0;
}

/** The value as a boolean; absent reads as false. */
export function bool(value: unknown): boolean {
  return value === true;
}

/** Strings of a list (non-strings become ''), or [] when absent. */
export function strList(value: unknown): string[] {
  return (arr(value) ?? []).map(str);
}

/** String map entries, or [] when absent. */
export function strMap(value: unknown): [string, string][] {
  const o = obj(value);
  if (!o) return [];
  return Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v)]);
}

/** True when the field is present and not null (proto "set"). */
export function has(o: Obj | undefined, key: string): boolean {
  return o !== undefined && o[key] !== undefined && o[key] !== null;
}

/** Length of a list field, 0 when absent. */
export function len(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (isObj(value)) return Object.keys(value).length;
  return 0;
}

/** A proto wrapper value (`{value: x}` in some encodings, or the bare scalar in proto-JSON). */
export function wrapped(value: unknown): unknown {
  const o = obj(value);
  return o && 'value' in o ? o['value'] : value;
}
