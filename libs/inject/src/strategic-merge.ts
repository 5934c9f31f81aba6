// Kubernetes strategic merge patch for Pods, limited to what injection needs: maps merge recursively,
// `null` deletes, lists with a patch merge key (containers by name, ports by containerPort, ...) merge
// element-wise keeping the original order and appending new elements; other lists are replaced.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { isObj } from './json-util.ts';

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
      out[k] = isObj(pv) ? strategicMerge({}, pv) : structuredClone(pv);
    }
  }
  return out;
}

function mergeList(original: JsonValue[], patch: JsonValue[], key: string): JsonValue[] {
  if (patch.length === 0) return original;
  const out = original.map((v) => v);
  for (const p of patch) {
    if (!isObj(p)) {
      out.push(p);
      continue;
    }
    const idx = out.findIndex((o) => isObj(o) && o[key] === p[key]);
    if (idx >= 0) out[idx] = strategicMerge(out[idx] as JsonObject, p);
    else out.push(strategicMerge({}, p));
  }
  return out;
}
