// Kubernetes strategic merge patch for Pods, limited to what injection needs: maps merge recursively,
// `null` deletes, lists with a patch merge key (containers by name, ports by containerPort, ...) merge
// element-wise and are ordered as Kubernetes orders them; other lists are replaced.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { clone, isObj } from './json-util.ts';

const mergeKeys: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  hostAliases: 'ip',
  resourceClaims: 'name',
};

/** Applies `patch` on top of `original` (neither is modified). */
export function strategicMerge(original: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...original };
  for (const [k, pv] of Object.entries(patch)) {
    const ov = out[k];
    if (pv === null) {
      delete out[k];
    } else if (isObj(pv) && isObj(ov)) {
      out[k] = strategicMerge(ov, pv);
    } else if (Array.isArray(pv) && Array.isArray(ov) && mergeKeys[k] !== undefined) {
      out[k] = mergeList(ov, pv, mergeKeys[k]);
    } else {
      out[k] = isObj(pv) ? strategicMerge({}, pv) : clone(pv);
    }
  }
  return out;
}

function mergeList(original: JsonValue[], patch: JsonValue[], key: string): JsonValue[] {
  if (patch.length === 0) return original;
  const keyOf = (v: JsonValue | undefined): JsonValue | undefined => (isObj(v) ? v[key] : v);
  const indexIn = (list: JsonValue[], v: JsonValue): number => list.findIndex((o) => keyOf(o) === keyOf(v));
  const patched: JsonValue[] = [];
  for (const p of patch) {
    const idx = indexIn(original, p);
    const base = idx >= 0 && isObj(original[idx]) ? (original[idx] as JsonObject) : {};
    patched.push(isObj(p) ? strategicMerge(base, p) : p);
  }
  const serverOnly = original.filter((o) => indexIn(patch, o) < 0);
  // Kubernetes' mergeSortedSlice: interleave server-only items into the patch items, taking a
  // server-only item first only when both appear in the original and it came earlier there.
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patched.length) {
    if (i >= serverOnly.length) out.push(patched[j++] as JsonValue);
    else if (j >= patched.length) out.push(serverOnly[i++] as JsonValue);
    else {
      const li = indexIn(original, serverOnly[i] as JsonValue);
      const ri = indexIn(original, patched[j] as JsonValue);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++] as JsonValue);
      else out.push(patched[j++] as JsonValue);
    }
  }
  return out;
}
