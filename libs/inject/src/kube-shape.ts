// What Go's typed Kubernetes structs add or drop when upstream kube-inject decodes and re-encodes a
// workload: empty status/strategy structs, `resources: {}` on containers, canonical quantities, and
// omitted zero values. Applying the same shape makes our YAML output match upstream's byte for byte.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { isObj } from './json-util.ts';
import { canonicalQuantity } from './quantity.ts';

/** Where each workload kind keeps its pod template, and the structs Go always prints for it. */
interface KindShape {
  /** Path to the PodTemplateSpec-like object holding the injected metadata. */
  metadataPath: string[];
  /** Path to the pod spec. */
  specPath: string[];
  /** Always-present spec structs (`strategy: {}`) and the status Go prints for a zero value. */
  specDefaults: JsonObject;
  status: JsonObject;
  /** Spec fields with `omitempty` that drop when zero. */
  omitZero: string[];
}

const template = (extra: string[] = []): Pick<KindShape, 'metadataPath' | 'specPath'> => ({
  metadataPath: [...extra, 'template', 'metadata'],
  specPath: [...extra, 'template', 'spec'],
});

const shapes: Record<string, KindShape> = {
  Pod: { metadataPath: ['metadata'], specPath: ['spec'], specDefaults: {}, status: {}, omitZero: [] },
  Deployment: { ...template(), specDefaults: { strategy: {} }, status: {}, omitZero: ['paused', 'minReadySeconds'] },
  ReplicaSet: { ...template(), specDefaults: {}, status: { replicas: 0 }, omitZero: ['minReadySeconds'] },
  StatefulSet: {
    ...template(), specDefaults: { updateStrategy: {} }, status: { replicas: 0, availableReplicas: 0 }, omitZero: ['minReadySeconds'],
  },
  DaemonSet: {
    ...template(), specDefaults: { updateStrategy: {} },
    status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }, omitZero: ['minReadySeconds'],
  },
  Job: { ...template(), specDefaults: {}, status: {}, omitZero: [] },
  CronJob: {
    metadataPath: ['jobTemplate', 'metadata'], specPath: ['jobTemplate', 'spec', 'template', 'spec'],
    specDefaults: {}, status: {}, omitZero: [],
  },
  ReplicationController: { ...template(), specDefaults: {}, status: { replicas: 0 }, omitZero: ['minReadySeconds'] },
  DeploymentConfig: {
    ...template(), specDefaults: { strategy: { resources: {} }, test: false },
    status: { latestVersion: 0, observedGeneration: 0, replicas: 0, updatedReplicas: 0, availableReplicas: 0, unavailableReplicas: 0 },
    omitZero: ['paused', 'minReadySeconds'],
  },
};

const workloadAPIs: Record<string, string[]> = {
  Pod: ['v1'],
  ReplicationController: ['v1'],
  Deployment: ['apps/v1', 'apps/v1beta1', 'apps/v1beta2', 'extensions/v1beta1'],
  ReplicaSet: ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'],
  StatefulSet: ['apps/v1', 'apps/v1beta1', 'apps/v1beta2'],
  DaemonSet: ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'],
  Job: ['batch/v1'],
  CronJob: ['batch/v1', 'batch/v1beta1', 'batch/v2alpha1'],
  DeploymentConfig: ['apps.openshift.io/v1', 'v1'],
};

/** The shape for an apiVersion/kind that kube-inject handles, or undefined for anything else. */
export function workloadShape(apiVersion: string, kind: string): KindShape | undefined {
  const apis = workloadAPIs[kind];
  return apis && apis.includes(apiVersion) ? shapes[kind] : undefined;
}

/** Reads a nested object, creating missing steps when `create` is set. */
export function objectAtPath(root: JsonObject, path: string[], create: boolean): JsonObject | undefined {
  let cur = root;
  for (const p of path) {
    const next = cur[p];
    if (!isObj(next)) {
      if (!create) return undefined;
      cur[p] = {};
    }
    cur = cur[p] as JsonObject;
  }
  return cur;
}

/** Gives a decoded workload the exact shape Go would print for it (edits in place). */
export function shapeWorkload(obj: JsonObject, shape: KindShape): void {
  dropNullTimestamps(obj);
  if (!isObj(obj['metadata'])) obj['metadata'] = {};
  const spec = objectAtPath(obj, ['spec'], true) as JsonObject;
  for (const f of shape.omitZero) if (spec[f] === 0 || spec[f] === false) delete spec[f];
  for (const [k, v] of Object.entries(shape.specDefaults)) {
    if (spec[k] === undefined) spec[k] = structuredClone(v);
    else if (isObj(v) && isObj(spec[k])) for (const [k2, v2] of Object.entries(v)) (spec[k] as JsonObject)[k2] ??= structuredClone(v2);
  }
  if (shape.metadataPath.length > 1) {
    // Template metadata structs always print, even when empty.
    objectAtPath(spec, shape.metadataPath, true);
    objectAtPath(spec, [...shape.specPath.slice(0, -1), 'metadata'], true);
  }
  const podSpec = shape.specPath.length === 1 ? spec : objectAtPath(spec, shape.specPath, false);
  if (podSpec) shapePodSpec(podSpec);
  const status = isObj(obj['status']) ? obj['status'] : {};
  obj['status'] = { ...structuredClone(shape.status), ...status };
}

// Probe fields declared `int32 ... omitempty`: Go drops them when zero.
const probeIntFields = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'];

/** Container-level shape: `resources: {}` always present, quantities canonical. */
export function shapePodSpec(spec: JsonObject): void {
  for (const field of ['containers', 'initContainers']) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObj(c)) continue;
      c['resources'] = shapeResources(c['resources']);
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const pr = c[probe];
        if (isObj(pr)) for (const f of probeIntFields) if (pr[f] === 0) delete pr[f];
      }
    }
  }
}

function shapeResources(r: JsonValue | undefined): JsonObject {
  if (!isObj(r)) return {};
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(r)) {
    if (isObj(v)) {
      const q: JsonObject = {};
      for (const [name, amount] of Object.entries(v)) {
        if (amount !== null && amount !== undefined) q[name] = canonicalQuantity(amount as string | number);
      }
      if (Object.keys(q).length > 0) out[k] = q;
    } else if (v !== null) out[k] = v;
  }
  return out;
}

// metadata.creationTimestamp is `omitzero` in current Kubernetes types: a null one disappears.
function dropNullTimestamps(v: JsonValue): void {
  if (Array.isArray(v)) {
    v.forEach(dropNullTimestamps);
    return;
  }
  if (!isObj(v)) return;
  if (v['creationTimestamp'] === null) delete v['creationTimestamp'];
  for (const x of Object.values(v)) dropNullTimestamps(x);
}
