// The core of injection (upstream injectPod): strip a previous injection, render the templates, merge them
// onto the pod, re-apply user overrides of injected containers, then post-process (metrics merge, probe
// rewriting, status annotation, container order). Pure: pod in, injected pod out.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import type { InjectConfig } from './defaults.ts';
import { clone, goString, isObj, listAt, objAt, stringMap, truthy } from './json-util.ts';
import { validateAnnotations } from './annotation-validation.ts';
import { effectiveProxyConfig } from './proxy-config.ts';
import { strategicMerge } from './strategic-merge.ts';
import { renderTemplate, templateNames } from './templates.ts';
import type { RenderedPod, TemplateData } from './template-data.ts';
import { dumpAppProbers, mergeProbersEnv, rewriteAppProbes, shouldRewriteProbes } from './app-probes.ts';
import { applyPrometheusMerge, clearPrometheusAnnotations, prometheusPort } from './prometheus-merge.ts';
import { containersJSON } from './go-json.ts';
import { proxyIDs } from './openshift.ts';
import { InjectionError } from './errors.ts';

export { InjectionError };


/** Everything injection needs besides the configuration. */
export interface InjectionRequest {
  /** The pod (metadata + spec); not modified. */
  pod: JsonObject;
  /** The owning workload (name/namespace) and its type, used for the owner and workload name. */
  deployMeta: { name: string; namespace: string };
  typeMeta: { apiVersion: string; kind: string };
  /** The pod's namespace object when known (OpenShift UID ranges). */
  namespace?: JsonObject;
  /** Env overrides from the webhook path (`/inject/cluster/<id>/net/<network>`). */
  proxyEnvs?: Record<string, string>;
}

const statusAnnotation = 'sidecar.istio.io/status';
const overridesAnnotation = 'proxy.istio.io/overrides';

function names(list: JsonValue | undefined): string[] {
  return Array.isArray(list) ? list.filter(isObj).map((c) => goString(c['name'])) : [];
}

function findByName(list: JsonObject[], name: string): JsonObject | undefined {
  return list.find((c) => c['name'] === name);
}

function parseStatus(v: string | undefined): { containers: string[]; initContainers: string[] } | undefined {
  if (v === undefined) return undefined;
  try {
    const s = JSON.parse(v) as JsonValue;
    if (!isObj(s)) return undefined;
    const strs = (x: JsonValue | undefined): string[] => (Array.isArray(x) ? x.map(goString) : []);
    return { containers: strs(s['containers']), initContainers: strs(s['initContainers']) };
  } catch {
    return undefined;
  }
}

function parseOverrides(v: string | undefined): { containers: JsonObject[]; initContainers: JsonObject[] } {
  if (v === undefined) return { containers: [], initContainers: [] };
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(v) as JsonValue;
  } catch (e) {
    throw new InjectionError(`failed to re apply container: ${overridesAnnotation}: ${(e as Error).message}`);
  }
  return { containers: listAt(isObj(parsed) ? parsed : {}, 'containers'), initContainers: listAt(isObj(parsed) ? parsed : {}, 'initContainers') };
}

function meshStatusPort(pc: JsonObject): number {
  const p = Number(pc['statusPort'] ?? 0);
  return p > 0 ? p : 15020;
}

/** Removes what an earlier injection added so injecting twice gives the same pod. */
function stripPod(pod: JsonObject, statusPortNumber: number): JsonObject {
  const meta = objAt(pod, 'metadata');
  const annotations = stringMap(meta, 'annotations');
  const prev = parseStatus(annotations[statusAnnotation]);
  if (!prev) return pod;
  const out = clone(pod);
  const spec = objAt(out, 'spec');
  spec['containers'] = listAt(spec, 'containers').filter((c) => !prev.containers.includes(goString(c['name'])));
  const inits = listAt(spec, 'initContainers').filter((c) => !prev.initContainers.includes(goString(c['name'])));
  if (inits.length > 0 || spec['initContainers'] !== undefined) spec['initContainers'] = inits;
  const a = stringMap(objAt(out, 'metadata'), 'annotations');
  if (prometheusPort(a) === String(statusPortNumber)) clearPrometheusAnnotations(a);
  delete a[statusAnnotation];
  objAt(out, 'metadata')['annotations'] = a;
  return out;
}

function reinsertOverrides(pod: JsonObject): JsonObject {
  const out = clone(pod);
  const o = parseOverrides(stringMap(objAt(out, 'metadata'), 'annotations')[overridesAnnotation]);
  const spec = objAt(out, 'spec');
  for (const [field, list] of [['containers', o.containers], ['initContainers', o.initContainers]] as const) {
    const cur = listAt(spec, field);
    for (const c of list) if (!findByName(cur, goString(c['name']))) cur.push(c);
    if (cur.length > 0) spec[field] = cur;
  }
  return out;
}

function mergeRendered(pod: JsonObject, r: RenderedPod): JsonObject {
  return strategicMerge(pod, { metadata: { labels: r.metadata.labels, annotations: r.metadata.annotations }, spec: r.spec });
}

function moveContainer(pod: JsonObject, name: string): JsonObject {
  const out = clone(pod);
  const spec = objAt(out, 'spec');
  const cs = listAt(spec, 'containers');
  const idx = cs.findIndex((c) => c['name'] === name);
  if (idx < 0) return out;
  const [c] = cs.splice(idx, 1);
  spec['containers'] = cs;
  spec['initContainers'] = [...listAt(spec, 'initContainers'), c as JsonObject];
  return out;
}

/** Injects the sidecar into a pod and returns the new pod. Throws InjectionError for invalid input. */
export function injectPod(req: InjectionRequest, config: InjectConfig): JsonObject {
  const original = req.pod;
  const origMeta = isObj(original['metadata']) ? original['metadata'] : {};
  const annotations = stringMap(origMeta, 'annotations');
  const errors = validateAnnotations(annotations);
  if (errors.length > 0) throw new InjectionError(`failed to run injection template: ${errors.join('; ')}`);
  let proxyConfig: JsonObject;
  try {
    proxyConfig = effectiveProxyConfig(config.mesh, annotations);
  } catch (e) {
    throw new InjectionError(`failed to run injection template: ${(e as Error).message}`);
  }
  const values = config.values;
  const proxyEnvs: Record<string, string> = { ...(req.proxyEnvs ?? {}) };
  let cluster = goString(getIn(values, ['global', 'multiCluster', 'clusterName']));
  let network = goString(getIn(values, ['global', 'network']));
  if (proxyEnvs['ISTIO_META_CLUSTER_ID']) cluster = proxyEnvs['ISTIO_META_CLUSTER_ID'];
  if (proxyEnvs['ISTIO_META_NETWORK']) network = proxyEnvs['ISTIO_META_NETWORK'];
  const labels0 = stringMap(origMeta, 'labels');
  if (labels0['topology.istio.io/network'] !== undefined) network = labels0['topology.istio.io/network'];
  if (cluster) proxyEnvs['ISTIO_META_CLUSTER_ID'] = cluster;
  if (network) proxyEnvs['ISTIO_META_NETWORK'] = network;

  const statusPortNumber = meshStatusPort(proxyConfig);
  const stripped = reinsertOverrides(stripPod(original, statusPortNumber));
  const strippedMeta = objAt(stripped, 'metadata');
  const { uid, gid } = proxyIDs(config.openshift ? req.namespace : undefined);
  const data: TemplateData = {
    typeMeta: req.typeMeta,
    deployMeta: req.deployMeta,
    labels: stringMap(strippedMeta, 'labels'),
    annotations: stringMap(strippedMeta, 'annotations'),
    spec: objAt(stripped, 'spec'),
    proxyConfig,
    mesh: config.mesh,
    values,
    revision: goString(values['revision']),
    nativeSidecars: config.nativeSidecars,
    proxyImage: '',
    proxyInitImage: '',
    proxyUID: uid,
    proxyGID: gid,
    inboundTrafficPolicyMode: goString(getIn(config.mesh, ['inboundTrafficPolicy', 'mode'])) === 'LOCALHOST' ? 'localhost' : 'passthrough',
    compliancePolicy: config.compliancePolicy,
  };
  data.proxyImage = imageFor(values, 'proxy', proxyConfig, data.annotations);
  data.proxyInitImage = imageFor(values, 'proxy_init', proxyConfig, data.annotations);

  let merged: JsonObject = clone(original);
  let templatePod: JsonObject = {};
  for (const name of templateNames(annotations, config)) {
    const rendered = renderTemplate(name, data, config);
    templatePod = mergeRendered(templatePod, rendered);
    if (findByName(listAt(objAt(templatePod, 'spec'), 'initContainers'), 'istio-proxy') &&
      findByName(listAt(objAt(merged, 'spec'), 'containers'), 'istio-proxy')) {
      merged = moveContainer(merged, 'istio-proxy');
    }
    merged = mergeRendered(merged, rendered);
  }
  merged = reapplyOverrides(merged, original, templatePod, proxyConfig);
  postProcess(merged, templatePod, req, config, proxyConfig, proxyEnvs, statusPortNumber);
  return merged;
}

function getIn(v: JsonValue | undefined, path: string[]): JsonValue | undefined {
  let cur = v;
  for (const p of path) cur = isObj(cur) ? cur[p] : undefined;
  return cur;
}

const knownImageTypes = ['distroless', 'debug'];

/** `<hub>/<image>:<tag>[-<type>]`, with the image type from ProxyConfig.image or the pod annotation. */
function imageFor(values: JsonObject, which: 'proxy' | 'proxy_init', pc: JsonObject, annotations: Record<string, string>): string {
  const hub = goString(getIn(values, ['global', 'hub']));
  let tag = goString(getIn(values, ['global', 'tag']));
  const name = goString(getIn(values, ['global', which, 'image'])) || 'proxyv2';
  let type = goString(getIn(pc, ['image', 'imageType']));
  if (annotations['sidecar.istio.io/proxyImageType'] !== undefined) type = annotations['sidecar.istio.io/proxyImageType'];
  if (type !== '') {
    for (const t of knownImageTypes) if (tag.endsWith(`-${t}`)) { tag = tag.slice(0, -(t.length + 1)); break; }
    if (type !== 'default') tag = `${tag}-${type}`;
  }
  return `${hub}/${name}:${tag}`;
}

function reapplyOverrides(finalIn: JsonObject, original: JsonObject, templatePod: JsonObject, pc: JsonObject): JsonObject {
  let final = finalIn;
  const origMeta = isObj(original['metadata']) ? original['metadata'] : {};
  const annotations = stringMap(origMeta, 'annotations');
  const existing = parseOverrides(annotations[overridesAnnotation]);
  const alreadyInjected = annotations[statusAnnotation] !== undefined;
  const status = parseStatus(annotations[statusAnnotation]) ?? { containers: [], initContainers: [] };
  const origSpec = isObj(original['spec']) ? original['spec'] : {};
  const tSpec = objAt(templatePod, 'spec');
  const applied = { containers: [] as JsonObject[], initContainers: [] as JsonObject[] };
  for (const field of ['containers', 'initContainers'] as const) {
    for (const t of listAt(tSpec, field)) {
      const name = goString(t['name']);
      if (status[field].includes(name)) continue;
      const match = findByName(existing[field], name) ?? (field === 'containers'
        ? findByName(listAt(origSpec, 'containers'), name)
        : findByName(listAt(origSpec, 'initContainers'), name) ?? findByName(listAt(origSpec, 'containers'), name));
      if (!match) continue;
      const overlay = clone(match);
      if (overlay['image'] === 'auto') delete overlay['image'];
      applied[field].push(overlay);
      final = strategicMerge(final, { spec: field === 'containers' ? { containers: [overlay] } : { initContainers: [overlay] } });
    }
  }
  if (!alreadyInjected && (applied.containers.length > 0 || applied.initContainers.length > 0)) {
    const meta = objAt(final, 'metadata');
    const a = stringMap(meta, 'annotations');
    a[overridesAnnotation] = containersJSON(applied.containers, applied.initContainers);
    meta['annotations'] = a;
  }
  adjustInitUser(final, original, pc);
  return final;
}

/** A user istio-proxy runAsUser/runAsGroup also applies to the iptables uid and the validation container. */
function adjustInitUser(final: JsonObject, original: JsonObject, pc: JsonObject): void {
  const origSpec = isObj(original['spec']) ? original['spec'] : {};
  const user = findByName(listAt(origSpec, 'containers'), 'istio-proxy') ?? findByName(listAt(origSpec, 'initContainers'), 'istio-proxy');
  const usc = user?.['securityContext'];
  if (!isObj(usc) || (usc['runAsUser'] === undefined && usc['runAsGroup'] === undefined)) return;
  const spec = objAt(final, 'spec');
  const inits = listAt(spec, 'initContainers');
  const init = findByName(inits, 'istio-init') ?? findByName(inits, 'istio-validation');
  if (!init) return;
  const meta = isObj(final['metadata']) ? final['metadata'] : {};
  const tproxy = pc['interceptionMode'] === 'TPROXY' || stringMap(meta, 'annotations')['sidecar.istio.io/interceptionMode'] === 'TPROXY';
  if (tproxy && usc['runAsUser'] !== undefined) {
    const sidecar = findByName(listAt(spec, 'containers'), 'istio-proxy') ?? findByName(inits, 'istio-proxy');
    if (sidecar) objAt(sidecar, 'securityContext')['runAsUser'] = 0;
  }
  if (!tproxy && init['name'] === 'istio-validation') {
    const sc = objAt(init, 'securityContext');
    if (usc['runAsUser'] !== undefined) sc['runAsUser'] = usc['runAsUser'] as JsonValue;
    if (usc['runAsGroup'] !== undefined) sc['runAsGroup'] = usc['runAsGroup'] as JsonValue;
  }
  const uid = usc['runAsUser'];
  if (uid === undefined || uid === null || uid === 0) return;
  const args = Array.isArray(init['args']) ? init['args'] : [];
  const i = args.indexOf('-u');
  if (i >= 0 && i + 1 < args.length) args[i + 1] = String(uid);
}

function postProcess(
  pod: JsonObject, templatePod: JsonObject, req: InjectionRequest, config: InjectConfig, pc: JsonObject,
  proxyEnvs: Record<string, string>, statusPortNumber: number,
): void {
  const meta = objAt(pod, 'metadata');
  const annotations = stringMap(meta, 'annotations');
  const labels = stringMap(meta, 'labels');
  const spec = objAt(pod, 'spec');
  const sidecar = findByName(listAt(spec, 'containers'), 'istio-proxy') ?? findByName(listAt(spec, 'initContainers'), 'istio-proxy');
  if (sidecar && Object.keys(proxyEnvs).length > 0) {
    const env = listAt(sidecar, 'env').filter((e) => proxyEnvs[goString(e['name'])] === undefined);
    for (const k of Object.keys(proxyEnvs).sort()) env.push({ name: k, value: proxyEnvs[k] as string });
    sidecar['env'] = env;
  }
  applyPrometheusMerge(annotations, sidecar, config.mesh['enablePrometheusMerge'], statusPortNumber);
  const rewriteDefault = getIn(config.values, ['sidecarInjectorWebhook', 'rewriteAppHTTPProbe']);
  if (sidecar && shouldRewriteProbes(annotations, rewriteDefault === undefined ? true : truthy(rewriteDefault))) {
    const probers = dumpAppProbers(spec);
    const origAnn = stringMap(isObj(req.pod['metadata']) ? req.pod['metadata'] : {}, 'annotations');
    if (probers !== '') sidecar['env'] = mergeProbersEnv(listAt(sidecar, 'env'), probers, origAnn[statusAnnotation] !== undefined);
    const sp = annotations['status.sidecar.istio.io/port'];
    rewriteAppProbes(spec, sp !== undefined ? Number(sp) : statusPortNumber);
  }
  if (proxyEnvs['ISTIO_META_NETWORK'] !== undefined) labels['topology.istio.io/network'] = proxyEnvs['ISTIO_META_NETWORK'];
  const tSpec = objAt(templatePod, 'spec');
  const revision = goString(config.values['revision']) || 'default';
  annotations[statusAnnotation] = JSON.stringify({
    initContainers: nullIfEmpty(names(tSpec['initContainers'])),
    containers: nullIfEmpty(names(tSpec['containers'])),
    volumes: nullIfEmpty(names(tSpec['volumes'])),
    imagePullSecrets: nullIfEmpty(names(tSpec['imagePullSecrets'])),
    revision,
  });
  Object.assign(annotations, config.injectedAnnotations);
  meta['annotations'] = annotations;
  meta['labels'] = labels;
  reorder(spec, pc, config, req);
}

function nullIfEmpty(xs: string[]): string[] | null {
  return xs.length > 0 ? xs : null;
}

function moveTo(list: JsonObject[], name: string, where: 'first' | 'last'): JsonObject[] {
  const match = findByName(list, name);
  if (!match) return list;
  const rest = list.filter((c) => c !== match);
  return where === 'first' ? [match, ...rest] : [...rest, match];
}

function reorder(spec: JsonObject, pc: JsonObject, config: InjectConfig, req: InjectionRequest): void {
  void req;
  const hold = pc['holdApplicationUntilProxyStarts'] === true ||
    getIn(config.values, ['global', 'proxy', 'holdApplicationUntilProxyStarts']) === true;
  if (Array.isArray(spec['containers'])) spec['containers'] = moveTo(listAt(spec, 'containers'), 'istio-proxy', hold ? 'first' : 'last');
  if (!Array.isArray(spec['initContainers'])) return;
  let inits = listAt(spec, 'initContainers');
  if (findByName(inits, 'istio-proxy')) {
    for (const n of ['enable-core-dump', 'istio-proxy', 'istio-validation', 'istio-init']) inits = moveTo(inits, n, 'first');
  } else {
    inits = moveTo(inits, 'istio-validation', 'first');
    inits = moveTo(inits, 'istio-init', 'last');
    inits = moveTo(inits, 'enable-core-dump', 'last');
  }
  spec['initContainers'] = inits;
}
