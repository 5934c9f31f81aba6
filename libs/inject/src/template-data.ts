// The inputs every injection template reads (upstream's SidecarTemplateData) and small lookups over them.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { getPath, goString } from './json-util.ts';

/** Everything a template renders from. */
export interface TemplateData {
  typeMeta: { apiVersion: string; kind: string };
  deployMeta: { name: string; namespace: string };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The (stripped) pod spec. */
  spec: JsonObject;
  proxyConfig: JsonObject;
  mesh: JsonObject;
  values: JsonObject;
  revision: string;
  nativeSidecars: boolean;
  proxyImage: string;
  proxyInitImage: string;
  proxyUID: number;
  proxyGID: number;
  inboundTrafficPolicyMode: string;
  compliancePolicy: string;
}

/** A rendered template: a partial pod (metadata labels/annotations + spec), merged onto the pod. */
export interface RenderedPod {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: JsonObject;
}

/** `annotation` template func: the pod annotation if present, else the default printed as text. */
export function annotationOr(d: TemplateData, name: string, def: JsonValue | undefined): string {
  const v = d.annotations[name];
  return v !== undefined ? v : goString(def);
}

/** A Helm value by dotted path under `.Values`. */
export function value(d: TemplateData, path: string): JsonValue | undefined {
  return getPath(d.values, path);
}

/** The effective interception mode (annotation over ProxyConfig, REDIRECT by default). */
export function interceptionMode(d: TemplateData): string {
  return annotationOr(d, 'sidecar.istio.io/interceptionMode', goString(d.proxyConfig['interceptionMode']) || 'REDIRECT');
}

/** Whether the proxy runs as a native sidecar (init container with restartPolicy Always). */
export function nativeSidecar(d: TemplateData): boolean {
  const a = d.annotations['sidecar.istio.io/nativeSidecar'];
  return (a !== undefined && a !== '' ? a : String(d.nativeSidecars)) !== 'false';
}

/** Names of the pod's containers other than istio-proxy. */
export function appContainerNames(d: TemplateData): string[] {
  const cs = d.spec['containers'];
  if (!Array.isArray(cs)) return [];
  return cs.map((c) => goString(getPath(c, 'name'))).filter((n) => n !== 'istio-proxy');
}

/** `excludeInboundPort` template func: adds the status port to the excluded inbound ports. */
export function excludeInboundPort(port: string, excluded: string): string {
  const p = port.trim();
  if (p === '' || p === '0') return excluded;
  const out: string[] = [];
  for (const raw of excluded.split(',')) {
    if (raw === p) return excluded;
    const t = raw.trim();
    if (t !== '') out.push(t);
  }
  out.push(p);
  return out.join(',');
}

/** The status port as text (annotation over values). */
export function statusPort(d: TemplateData): string {
  return annotationOr(d, 'status.sidecar.istio.io/port', value(d, 'global.proxy.statusPort'));
}

/** Resources for injected containers: annotations replace values.global.proxy.resources. */
export function proxyResources(d: TemplateData, fallback = 'global.proxy.resources'): JsonObject | undefined {
  const a = d.annotations;
  const cpu = a['sidecar.istio.io/proxyCPU'];
  const mem = a['sidecar.istio.io/proxyMemory'];
  const cpuLimit = a['sidecar.istio.io/proxyCPULimit'];
  const memLimit = a['sidecar.istio.io/proxyMemoryLimit'];
  if (cpu !== undefined || mem !== undefined || cpuLimit !== undefined || memLimit !== undefined) {
    const out: JsonObject = {};
    if (cpu !== undefined || mem !== undefined) {
      const req: JsonObject = {};
      if (cpu !== undefined) req['cpu'] = cpu;
      if (mem !== undefined) req['memory'] = mem;
      out['requests'] = req;
    }
    if (cpuLimit !== undefined || memLimit !== undefined) {
      const lim: JsonObject = {};
      if (cpuLimit !== undefined) lim['cpu'] = cpuLimit;
      if (memLimit !== undefined) lim['memory'] = memLimit;
      out['limits'] = lim;
    }
    return out;
  }
  const r = value(d, fallback);
  return typeof r === 'object' && r !== null && !Array.isArray(r) ? omitNil(r) : undefined;
}

function omitNil(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null) continue;
    out[k] = typeof v === 'object' && !Array.isArray(v) ? omitNil(v) : v;
  }
  return out;
}
