// Small helpers for walking and editing JSON-like Kubernetes objects.
import type { JsonObject, JsonValue } from './go-yaml.ts';

/** True for a plain JSON object (not an array, not null). */
export function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy of a JSON value (a plain recursive copy: several times cheaper than structuredClone for pod-sized objects). */
export function clone<T extends JsonValue>(v: T): T {
  return copyJson(v) as T;
}

function copyJson(v: JsonValue): JsonValue {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out: JsonValue[] = new Array<JsonValue>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyJson(v[i] as JsonValue);
    return out;
  }
  const out: JsonObject = {};
  for (const k of Object.keys(v)) out[k] = copyJson(v[k] as JsonValue);
  return out;
}

// Templates read the same few hundred dotted paths for every pod: split each once. Bounded in case a caller
// passes arbitrary paths.
const splitPaths = new Map<string, string[]>();

function pathParts(path: string): string[] {
  let parts = splitPaths.get(path);
  if (parts === undefined) {
    parts = path.split('.');
    if (splitPaths.size < 2048) splitPaths.set(path, parts);
  }
  return parts;
}

/** Reads a dotted path (`global.proxy.image`); undefined when any step is missing. */
export function getPath(root: JsonValue | undefined, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = root;
  for (const part of pathParts(path)) {
    if (!isObj(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Writes a dotted path, creating objects on the way. */
export function setPath(root: JsonObject, path: string, value: JsonValue): void {
  const parts = path.split('.');
  let cur = root;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (!isObj(next)) cur[part] = {};
    cur = cur[part] as JsonObject;
  }
  cur[parts[parts.length - 1] as string] = value;
}

/** Merges `overlay` into `base` (Helm-style: objects merge, null deletes, everything else replaces). */
export function mergeValues(base: JsonObject, overlay: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = mergeValues(out[k] as JsonObject, v);
    else out[k] = clone(v);
  }
  return out;
}

/** Truthiness as Go templates see it: empty strings, zero, false, null, empty maps and lists are false. */
export function truthy(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.keys(v).length > 0;
  return true;
}

/** Formats a value the way Go's fmt.Sprint would for template output. */
export function goString(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Returns obj[key] as an object, creating it when missing. */
export function objAt(obj: JsonObject, key: string): JsonObject {
  const v = obj[key];
  if (isObj(v)) return v;
  const created: JsonObject = {};
  obj[key] = created;
  return created;
}

/** Returns obj[key] as an array of objects ([] when missing). */
export function listAt(obj: JsonObject | undefined, key: string): JsonObject[] {
  const v = obj?.[key];
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** Returns the string map at obj[key] (labels, annotations), empty when missing. */
export function stringMap(obj: JsonObject | undefined, key: string): Record<string, string> {
  const v = obj?.[key];
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) out[k] = goString(x);
  return out;
}
