// `istioctl kube-inject`: injects every workload in a multi-document YAML stream. Pods and pod templates
// (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController, DeploymentConfig,
// v1 List) are injected and re-printed; other documents pass through unchanged.
import { parse as parseYaml } from 'yaml';
import type { InjectConfig } from './defaults.ts';
import { toGoYaml, type JsonObject, type JsonValue } from './go-yaml.ts';
import { goString, isObj, stringMap } from './json-util.ts';
import { injectPod } from './inject-pod.ts';
import { InjectionError } from './errors.ts';
import { injectRequired, ignoredNamespaces } from './selection.ts';
import { objectAtPath, shapePodSpec, shapeWorkload, workloadShape } from './kube-shape.ts';
import { deployMetaFromPod } from './deploy-meta.ts';

/** Result of injecting a YAML stream. */
export interface KubeInjectResult {
  output: string;
  /** Human-readable notes (skipped workloads), one per line. */
  warnings: string[];
}

/** Splits a YAML stream on `---` lines like Kubernetes' YAMLReader (empty documents dropped). */
export function splitYamlDocuments(text: string): string[] {
  const docs: string[] = [];
  let cur: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    if (/^---(\s.*)?$/.test(line.replace(/\n$/, '')) && (line.replace(/\n$/, '').slice(3).trim() === '' ||
      line.replace(/\n$/, '').slice(3).trim().startsWith('#'))) {
      if (cur.length > 0) docs.push(cur.join(''));
      cur = [];
      continue;
    }
    cur.push(line);
  }
  if (cur.length > 0) docs.push(cur.join(''));
  return docs;
}

/** Injects every workload in `text`; throws InjectionError naming the source for bad input. */
export function kubeInject(text: string, config: InjectConfig, source = '<stdin>'): KubeInjectResult {
  const warnings: string[] = [];
  let output = '';
  for (const raw of splitYamlDocuments(text)) {
    let doc: unknown;
    try {
      doc = parseYaml(raw);
    } catch (e) {
      throw new InjectionError(`${source}: invalid YAML: ${(e as Error).message}`);
    }
    let updated: string | undefined;
    if (isObj(doc)) {
      try {
        const obj = intoObject(doc as JsonObject, config, warnings);
        if (obj) updated = toGoYaml(obj);
      } catch (e) {
        throw new InjectionError(`${source}: ${(e as Error).message}`);
      }
    }
    output += (updated ?? (raw.endsWith('\n') ? raw : raw + '\n')) + '---\n';
  }
  return { output, warnings };
}

function isList(obj: JsonObject): boolean {
  return obj['kind'] === 'List' && obj['apiVersion'] === 'v1';
}

/** Injects one decoded object; undefined when its kind is not one kube-inject handles. */
export function intoObject(obj: JsonObject, config: InjectConfig, warnings: string[]): JsonObject | undefined {
  if (isList(obj)) {
    const items = Array.isArray(obj['items']) ? obj['items'] : [];
    const out: JsonObject = { ...obj, metadata: isObj(obj['metadata']) ? obj['metadata'] : {} };
    out['items'] = items.map((item): JsonValue => (isObj(item) ? intoObject(item, config, warnings) ?? item : item));
    return out;
  }
  const apiVersion = goString(obj['apiVersion']);
  const kind = goString(obj['kind']);
  const shape = workloadShape(apiVersion, kind);
  if (!shape) return undefined;
  const out = structuredClone(obj);
  shapeWorkload(out, shape);
  const workloadMeta = out['metadata'] as JsonObject;
  const spec = out['spec'] as JsonObject;
  const isPod = kind === 'Pod';
  const metadata = isPod ? workloadMeta : objectAtPath(spec, shape.metadataPath, true) as JsonObject;
  const podSpec = isPod ? spec : objectAtPath(spec, shape.specPath, false);
  if (!podSpec) throw new InjectionError('spec.template is required value');
  let deployMeta = { name: goString(workloadMeta['name']), namespace: goString(workloadMeta['namespace']) };
  let typeMeta = { apiVersion, kind };
  if (isPod) ({ deployMeta, typeMeta } = deployMetaFromPod(out));
  const name = goString(metadata['name']) || goString(workloadMeta['name']);
  const namespace = goString(metadata['namespace']) || goString(workloadMeta['namespace']);
  const fullName = workloadMeta['namespace'] ? `${goString(workloadMeta['namespace'])}/${name}` : name;
  if (podSpec['hostNetwork'] === true) {
    warnings.push(`===> Skipping injection because ${kind} "${fullName}" has host networking enabled`);
    return out;
  }
  const selectionMeta: JsonObject = { ...metadata, namespace };
  if (!injectRequired({ policy: 'enabled', neverInjectSelector: [], alwaysInjectSelector: [] }, podSpec, selectionMeta)) {
    warnings.push(`===> Skipping injection because ${kind} "${fullName}" has sidecar injection disabled`);
    return out;
  }
  void ignoredNamespaces;
  const injected = injectPod({ pod: { metadata, spec: podSpec }, deployMeta, typeMeta }, config);
  const newMeta = injected['metadata'] as JsonObject;
  const newSpec = injected['spec'] as JsonObject;
  shapePodSpec(newSpec);
  for (const k of Object.keys(metadata)) delete metadata[k];
  Object.assign(metadata, cleanMeta(newMeta));
  for (const k of Object.keys(podSpec)) delete podSpec[k];
  Object.assign(podSpec, newSpec);
  return out;
}

function cleanMeta(meta: JsonObject): JsonObject {
  const out = { ...meta };
  for (const k of ['labels', 'annotations']) {
    if (isObj(out[k]) && Object.keys(stringMap(out, k)).length === 0) delete out[k];
  }
  return out;
}
