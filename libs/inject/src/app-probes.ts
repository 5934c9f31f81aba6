// Application probe rewriting: HTTP, TCP and gRPC probes (and lifecycle hooks) of app containers are
// redirected to the agent's status port; the originals travel to the agent in ISTIO_KUBE_APP_PROBERS.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { isObj, listAt } from './json-util.ts';

/** Env var carrying the original probes to pilot-agent. */
export const kubeAppProbersEnv = 'ISTIO_KUBE_APP_PROBERS';

const probeKinds: Array<[string, 'app-health' | 'app-lifecycle', string]> = [
  ['readinessProbe', 'app-health', 'readyz'],
  ['livenessProbe', 'app-health', 'livez'],
  ['startupProbe', 'app-health', 'startupz'],
];
const lifecycleKinds: Array<[string, string]> = [['preStop', 'prestopz'], ['postStart', 'poststartz']];

/** Whether probes should be rewritten: the pod annotation wins over the injector setting. */
export function shouldRewriteProbes(annotations: Record<string, string>, valuesDefault: boolean): boolean {
  const a = annotations['sidecar.istio.io/rewriteAppHTTPProbers'];
  if (a !== undefined) {
    const b = parseGoBool(a);
    if (b !== undefined) return b;
  }
  return valuesDefault;
}

/** Go strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

function appContainers(spec: JsonObject): JsonObject[] {
  return [...listAt(spec, 'containers'), ...listAt(spec, 'initContainers')].filter((c) => c['name'] !== 'istio-proxy');
}

function portMap(c: JsonObject): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of listAt(c, 'ports')) if (typeof p['name'] === 'string' && p['name'] !== '') m.set(p['name'], Number(p['containerPort']));
  return m;
}

function resolvePort(port: JsonValue | undefined, ports: Map<string, number>): JsonValue | undefined {
  if (typeof port === 'string' && !/^\d+$/.test(port)) return ports.get(port);
  return port;
}

/** The internal prober for one probe/handler, or undefined when it is not rewritable. */
function toProber(handler: JsonObject, ports: Map<string, number>, withTimeout: boolean): JsonObject | undefined {
  const out: JsonObject = {};
  const http = handler['httpGet'];
  const tcp = handler['tcpSocket'];
  const grpc = handler['grpc'];
  if (isObj(http)) {
    const port = resolvePort(http['port'], ports);
    if (port === undefined) return undefined;
    const h: JsonObject = {};
    if (http['path']) h['path'] = http['path'] as JsonValue;
    h['port'] = port;
    if (http['host']) h['host'] = http['host'] as JsonValue;
    if (http['scheme']) h['scheme'] = http['scheme'] as JsonValue;
    if (Array.isArray(http['httpHeaders']) && http['httpHeaders'].length > 0) h['httpHeaders'] = http['httpHeaders'];
    out['httpGet'] = h;
  } else if (isObj(tcp)) {
    const port = resolvePort(tcp['port'], ports);
    if (port === undefined) return undefined;
    const t: JsonObject = { port };
    if (tcp['host']) t['host'] = tcp['host'] as JsonValue;
    out['tcpSocket'] = t;
  } else if (isObj(grpc)) {
    const g: JsonObject = { port: grpc['port'] ?? 0 };
    if (grpc['service'] !== undefined) g['service'] = grpc['service'] as JsonValue;
    out['grpc'] = g;
  } else {
    return undefined;
  }
  if (withTimeout && handler['timeoutSeconds']) out['timeoutSeconds'] = handler['timeoutSeconds'] as JsonValue;
  return out;
}

/** ISTIO_KUBE_APP_PROBERS content for a pod spec ("" when there is nothing to rewrite). */
export function dumpAppProbers(spec: JsonObject): string {
  const out: Record<string, JsonObject> = {};
  for (const c of appContainers(spec)) {
    const name = String(c['name']);
    const ports = portMap(c);
    for (const [field, prefix, suffix] of probeKinds) {
      const p = c[field];
      const prober = isObj(p) ? toProber(p, ports, true) : undefined;
      if (prober) out[`/${prefix}/${name}/${suffix}`] = prober;
    }
    const lc = c['lifecycle'];
    for (const [field, suffix] of lifecycleKinds) {
      const h = isObj(lc) ? lc[field] : undefined;
      const prober = isObj(h) ? toProber(h, ports, false) : undefined;
      if (prober) out[`/app-lifecycle/${name}/${suffix}`] = prober;
    }
  }
  if (Object.keys(out).length === 0) return '';
  return stableJSON(out);
}

/** JSON with object keys sorted (Go marshals maps sorted; struct fields keep their order). */
export function stableJSON(v: Record<string, JsonObject>): string {
  const sorted: Record<string, JsonObject> = {};
  for (const k of Object.keys(v).sort()) sorted[k] = v[k] as JsonObject;
  return JSON.stringify(sorted);
}

function rewriteHandler(handler: JsonObject, path: string, statusPort: number): JsonObject {
  const out: JsonObject = { ...handler };
  const http = handler['httpGet'];
  if (isObj(http)) {
    const h: JsonObject = { ...http, path, port: statusPort };
    if (h['scheme'] === 'HTTPS') h['scheme'] = 'HTTP';
    out['httpGet'] = h;
  } else {
    delete out['tcpSocket'];
    delete out['grpc'];
    out['httpGet'] = { path, port: statusPort };
  }
  return out;
}

function rewritable(h: JsonValue | undefined): h is JsonObject {
  return isObj(h) && (isObj(h['httpGet']) || isObj(h['tcpSocket']) || isObj(h['grpc']));
}

/** Points every rewritable probe and lifecycle hook of the app containers at the status port (in place). */
export function rewriteAppProbes(spec: JsonObject, statusPort: number): void {
  for (const c of appContainers(spec)) {
    const name = String(c['name']);
    for (const [field, prefix, suffix] of probeKinds) {
      const p = c[field];
      if (rewritable(p)) c[field] = rewriteHandler(p, `/${prefix}/${name}/${suffix}`, statusPort);
    }
    const lc = c['lifecycle'];
    if (!isObj(lc)) continue;
    for (const [field, suffix] of lifecycleKinds) {
      const h = lc[field];
      if (rewritable(h)) lc[field] = rewriteHandler(h, `/app-lifecycle/${name}/${suffix}`, statusPort);
    }
  }
}

/** Adds ISTIO_KUBE_APP_PROBERS to the proxy env, merging with a value left by an earlier injection. */
export function mergeProbersEnv(env: JsonObject[], probers: string, previouslyInjected: boolean): JsonObject[] {
  if (previouslyInjected) {
    const idx = env.findIndex((e) => e['name'] === kubeAppProbersEnv);
    if (idx >= 0) {
      try {
        const existing = JSON.parse(String(env[idx]?.['value'] ?? '{}')) as Record<string, JsonObject>;
        const fresh = JSON.parse(probers) as Record<string, JsonObject>;
        const merged = stableJSON({ ...fresh, ...existing });
        const copy = env.slice();
        copy[idx] = { name: kubeAppProbersEnv, value: merged };
        return copy;
      } catch {
        return env;
      }
    }
  }
  return [...env, { name: kubeAppProbersEnv, value: probers }];
}
