// Text (/stats) and Prometheus (/stats/prometheus) renderings with Envoy's tag extraction for the common prefixes.
import type { StatsStore } from './stats-store.ts';

/** Options of the /stats endpoint. */
export interface StatsQuery {
  readonly filter?: RegExp | undefined;
  readonly usedOnly?: boolean;
}

/** Envoy's plain text format: "name: value" per line. */
export function renderStatsText(store: StatsStore, q: StatsQuery = {}): string {
  const lines: string[] = [];
  for (const s of store.all()) {
    if (q.usedOnly && !s.used) continue;
    if (q.filter && !q.filter.test(s.name)) continue;
    lines.push(`${s.name}: ${s.value}`);
  }
  return lines.join('\n') + '\n';
}

/** Envoy's JSON format: {stats: [{name, value}]}. */
export function renderStatsJson(store: StatsStore, q: StatsQuery = {}): string {
  const stats = store
    .all()
    .filter((s) => (!q.usedOnly || s.used) && (!q.filter || q.filter.test(s.name)))
    .map((s) => ({ name: s.name, value: s.value }));
  return JSON.stringify({ stats });
}

interface Extracted {
  readonly base: string;
  readonly tags: [string, string][];
}

// Envoy's default tag extractors for the stats we produce: the first dynamic segment becomes a label.
const extractors: { prefix: string; tag: string }[] = [
  { prefix: 'cluster.', tag: 'envoy_cluster_name' },
  { prefix: 'http.', tag: 'envoy_http_conn_manager_prefix' },
  { prefix: 'listener.', tag: 'envoy_listener_address' },
  { prefix: 'tcp.', tag: 'envoy_tcp_prefix' },
];

// Known stat suffixes whose dots belong to the stat, not to the tag value.
const multiSegmentSuffixes = ['outlier_detection.', 'worker_', 'circuit_breakers.', 'lb_', 'upstream_', 'downstream_', 'membership_', 'update_', 'retry_', 'max_host_weight'];

function extract(name: string): Extracted {
  for (const e of extractors) {
    if (!name.startsWith(e.prefix)) continue;
    const rest = name.slice(e.prefix.length);
    // The tag value is everything up to the last dot-separated segment that starts a known stat suffix.
    let cut = -1;
    for (let i = rest.indexOf('.'); i >= 0; i = rest.indexOf('.', i + 1)) {
      const tail = rest.slice(i + 1);
      if (multiSegmentSuffixes.some((s) => tail.startsWith(s)) || !tail.includes('.')) {
        cut = i;
        break;
      }
    }
    if (cut < 0) break;
    return responseCodeTags(e.prefix + rest.slice(cut + 1), [[e.tag, rest.slice(0, cut)]]);
  }
  return { base: name, tags: [] };
}

// Envoy's response-code, response-code-class and worker extractors on top of the prefix tags.
function responseCodeTags(base: string, tags: [string, string][]): Extracted {
  const worker = /^(listener\.)worker_(\d+)\.(.*)$/.exec(base);
  if (worker) return { base: `${worker[1]}worker_${worker[3]}`, tags: [...tags, ['envoy_worker_id', worker[2] as string]] };
  const cls = /^(.*_rq)_([1-5])xx$/.exec(base);
  if (cls) return { base: `${cls[1]}_xx`, tags: [...tags, ['envoy_response_code_class', cls[2] as string]] };
  const code = /^(.*_rq)_(\d{3})$/.exec(base);
  if (code) return { base: code[1] as string, tags: [...tags, ['envoy_response_code', code[2] as string]] };
  return { base, tags };
}

function promName(base: string): string {
  return 'envoy_' + base.replace(/[^a-zA-Z0-9_]/g, '_');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus text exposition with Envoy's metric names (envoy_cluster_upstream_rq_total{envoy_cluster_name=...}). */
export function renderPrometheus(store: StatsStore, q: StatsQuery = {}): string {
  const groups = new Map<string, { type: string; lines: string[] }>();
  for (const s of store.all()) {
    if (q.usedOnly && !s.used) continue;
    if (q.filter && !q.filter.test(s.name)) continue;
    const { base, tags } = extract(s.name);
    const name = promName(base);
    let g = groups.get(name);
    if (!g) {
      g = { type: s.type, lines: [] };
      groups.set(name, g);
    }
    const labels = tags.length ? `{${tags.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
    g.lines.push(`${name}${labels} ${s.value}`);
  }
  const out: string[] = [];
  for (const [name, g] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    out.push(`# TYPE ${name} ${g.type}`, ...g.lines);
  }
  return out.join('\n') + '\n';
}
