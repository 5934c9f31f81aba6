import { httpGet } from './envoy-readiness.ts';

/** ISTIO_PROMETHEUS_ANNOTATIONS: the app's original prometheus.io/{scrape,path,port} values. */
export interface AppMetricsTarget {
  port: number;
  path: string;
  scheme: string;
}

/** Parses ISTIO_PROMETHEUS_ANNOTATIONS; undefined when unset or scraping is disabled. Throws on bad JSON. */
export function parsePrometheusAnnotations(text: string | undefined): AppMetricsTarget | undefined {
  if (!text || text.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`ISTIO_PROMETHEUS_ANNOTATIONS: invalid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null) throw new Error('ISTIO_PROMETHEUS_ANNOTATIONS: must be a JSON object');
  const a = v as Record<string, unknown>;
  if (a['scrape'] !== undefined && String(a['scrape']) !== 'true') return undefined;
  const port = Number(a['port'] ?? 80);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`ISTIO_PROMETHEUS_ANNOTATIONS.port: "${String(a['port'])}" is not a port`);
  const path = typeof a['path'] === 'string' && a['path'] ? a['path'] : '/metrics';
  const scheme = typeof a['scheme'] === 'string' && a['scheme'] ? a['scheme'] : 'http';
  return { port, path: path.startsWith('/') ? path : `/${path}`, scheme };
}

/** Where each part of the merged output comes from. */
export interface MergedMetricsSources {
  /** Envoy's `/stats/prometheus` URL (admin port or the 15090 listener). */
  envoyUrl: string;
  app?: AppMetricsTarget;
  appHost: string;
  /** The agent's own exposition text (prom-client registry). */
  agent: () => Promise<string>;
  onScrapeFailure?: (source: 'envoy' | 'application' | 'agent', reason: string) => void;
  timeoutMs?: number;
}

/** Drops OpenMetrics' `# EOF` so concatenated documents stay valid text format. */
function stripEof(text: string): string {
  return text.replace(/^# EOF\s*$/m, '').replace(/\n*$/, '\n');
}

/**
 * Scrapes Envoy, the application and the agent and concatenates them (upstream order). A failed
 * source is reported and skipped so the others are still served.
 */
export async function scrapeMerged(s: MergedMetricsSources): Promise<string> {
  const timeoutMs = s.timeoutMs ?? 2000;
  const parts = await Promise.all([
    httpGet(s.envoyUrl, timeoutMs)
      .then((r) => (r.status === 200 ? r.body : Promise.reject(new Error(`HTTP ${r.status}`))))
      .catch((err: Error) => {
        s.onScrapeFailure?.('envoy', err.message);
        return '';
      }),
    s.app
      ? httpGet(`http://${s.appHost}:${s.app.port}${s.app.path}`, timeoutMs, { accept: 'text/plain;version=0.0.4' })
          .then((r) => (r.status === 200 ? r.body : Promise.reject(new Error(`HTTP ${r.status}`))))
          .catch((err: Error) => {
            s.onScrapeFailure?.('application', err.message);
            return '';
          })
      : Promise.resolve(''),
    s.agent().catch((err: Error) => {
      s.onScrapeFailure?.('agent', err.message);
      return '';
    }),
  ]);
  return parts
    .filter((p) => p.trim() !== '')
    .map(stripEof)
    .join('');
}
