// Metrics merge: the app's prometheus.io scrape annotations move into the proxy env so pilot-agent can
// merge app and proxy metrics on its status port, and the pod annotations point Prometheus at the agent.
import type { JsonObject } from './go-yaml.ts';
import { isObj } from './json-util.ts';
import { parseGoBool } from './app-probes.ts';

const scrapeTargetsAnnotation = 'prometheus.istio.io/scrape-targets';
const reservedPorts = new Set(['15000', '15001', '15004', '15006', '15008', '15020', '15021', '15053', '15090']);

/** Prometheus' label-name sanitising: `prometheus.io/port` and `prometheus-io.port` both become `prometheus_io_port`. */
function sanitize(k: string): string {
  return k.replace(/[^a-zA-Z0-9_]/g, '_');
}

function findPrometheus(annotations: Record<string, string>, which: string): string | undefined {
  for (const [k, v] of Object.entries(annotations)) if (sanitize(k) === `prometheus_io_${which}`) return v;
  return undefined;
}

/** Removes every spelling of prometheus.io/{scrape,port,path}. */
export function clearPrometheusAnnotations(annotations: Record<string, string>): void {
  for (const k of Object.keys(annotations)) {
    if (['prometheus_io_scrape', 'prometheus_io_port', 'prometheus_io_path'].includes(sanitize(k))) delete annotations[k];
  }
}

/** The current prometheus.io/port annotation value, if any. */
export function prometheusPort(annotations: Record<string, string>): string | undefined {
  return findPrometheus(annotations, 'port');
}

function mergeEnabled(meshEnabled: unknown, annotations: Record<string, string>): boolean {
  const a = annotations['prometheus.istio.io/merge-metrics'];
  if (a !== undefined) {
    const b = parseGoBool(a);
    if (b !== undefined) return b;
  }
  return typeof meshEnabled === 'boolean' ? meshEnabled : true;
}

/** Applies metrics merge to the pod annotations and proxy container (both edited in place). */
export function applyPrometheusMerge(
  annotations: Record<string, string>, proxy: JsonObject | undefined, meshEnabled: unknown, statusPort: number,
): void {
  const scrapeText = findPrometheus(annotations, 'scrape');
  if (scrapeText !== undefined && parseGoBool(scrapeText) === false) return;
  if (!mergeEnabled(meshEnabled, annotations)) return;
  const target = String(statusPort);
  if (prometheusPort(annotations) === target) return;
  const cfg: Record<string, unknown> = {};
  if (scrapeText !== undefined) cfg['scrape'] = scrapeText;
  const path = findPrometheus(annotations, 'path');
  const port = findPrometheus(annotations, 'port');
  const targets = parseTargets(annotations[scrapeTargetsAnnotation]);
  const first = targets[0];
  const effPath = path ?? first?.path;
  const effPort = port ?? first?.port;
  if (effPath !== undefined) cfg['path'] = effPath;
  if (effPort !== undefined) cfg['port'] = effPort;
  if (targets.length > 0) cfg['targets'] = targets.map((t) => (t.path !== undefined ? { port: t.port, path: t.path } : { port: t.port }));
  if (proxy && Object.keys(cfg).length > 0) {
    const env = Array.isArray(proxy['env']) ? proxy['env'].filter(isObj) : [];
    proxy['env'] = [...env, { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: JSON.stringify(cfg) }];
  }
  clearPrometheusAnnotations(annotations);
  delete annotations[scrapeTargetsAnnotation];
  annotations['prometheus.io/port'] = target;
  annotations['prometheus.io/path'] = '/stats/prometheus';
  annotations['prometheus.io/scrape'] = 'true';
}

function parseTargets(raw: string | undefined): Array<{ port: string; path?: string }> {
  if (!raw) return [];
  const out: Array<{ port: string; path?: string }> = [];
  for (const part of raw.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    const idx = t.indexOf(':');
    const port = (idx < 0 ? t : t.slice(0, idx)).trim();
    const path = idx < 0 ? undefined : t.slice(idx + 1).trim() || undefined;
    if (!/^\d+$/.test(port) || reservedPorts.has(port)) continue;
    out.push(path !== undefined ? { port, path } : { port });
  }
  return out;
}
