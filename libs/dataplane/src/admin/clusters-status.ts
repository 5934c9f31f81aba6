// /clusters in Envoy's text and JSON (?format=json) forms.
import type { ClusterRuntime } from '../cluster/cluster-runtime.ts';

function hostAddress(key: string, pipe: string | undefined): object {
  if (pipe !== undefined) return { pipe: { path: pipe } };
  const i = key.lastIndexOf(':');
  return { socket_address: { address: key.slice(0, i).replace(/^\[|\]$/g, ''), port_value: Number(key.slice(i + 1)) } };
}

/** Text form: one "<cluster>::<host>::<stat>::<value>" line per fact. */
export function clustersText(clusters: readonly ClusterRuntime[], staticNames: ReadonlySet<string>): string {
  const lines: string[] = [];
  for (const c of clusters) {
    const n = c.config.name;
    const l = c.config.limits;
    lines.push(`${n}::observability_name::${n}`);
    lines.push(`${n}::default_priority::max_connections::${l.maxConnections}`);
    lines.push(`${n}::default_priority::max_pending_requests::${l.maxPendingRequests}`);
    lines.push(`${n}::default_priority::max_requests::${l.maxRequests}`);
    lines.push(`${n}::default_priority::max_retries::${l.maxRetries}`);
    lines.push(`${n}::added_via_api::${staticNames.has(n) ? 'false' : 'true'}`);
    for (const h of c.allHosts()) {
      const p = `${n}::${h.key}`;
      lines.push(`${p}::cx_active::${h.activeConnections}`);
      lines.push(`${p}::rq_active::${h.activeRequests}`);
      lines.push(`${p}::rq_error::${h.errorTotal}`);
      lines.push(`${p}::rq_success::${h.successTotal}`);
      lines.push(`${p}::rq_total::${h.requestsTotal}`);
      const flags = [!h.spec.healthy ? '/failed_eds_health' : '', h.ejected ? '/failed_outlier_check' : ''].join('');
      lines.push(`${p}::health_flags::${flags || 'healthy'}`);
      lines.push(`${p}::weight::${h.spec.weight}`);
      lines.push(`${p}::region::${h.spec.locality.split('/')[0] ?? ''}`);
      lines.push(`${p}::priority::${h.spec.priority}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** JSON form: {cluster_statuses: [{name, added_via_api, host_statuses: [...]}]}. */
export function clustersJson(clusters: readonly ClusterRuntime[], staticNames: ReadonlySet<string>): object {
  return {
    cluster_statuses: clusters.map((c) => ({
      name: c.config.name,
      observability_name: c.config.name,
      added_via_api: !staticNames.has(c.config.name),
      host_statuses: c.allHosts().map((h) => ({
        address: hostAddress(h.key, h.spec.pipe),
        stats: [
          { name: 'cx_active', type: 'GAUGE', value: String(h.activeConnections) },
          { name: 'rq_active', type: 'GAUGE', value: String(h.activeRequests) },
          { name: 'rq_error', value: String(h.errorTotal) },
          { name: 'rq_success', value: String(h.successTotal) },
          { name: 'rq_total', value: String(h.requestsTotal) },
        ],
        health_status: { eds_health_status: h.spec.healthy ? 'HEALTHY' : 'UNHEALTHY', ...(h.ejected ? { failed_outlier_check: true } : {}) },
        weight: h.spec.weight,
        priority: h.spec.priority,
        ...(h.spec.locality ? { locality: localityObject(h.spec.locality) } : {}),
      })),
    })),
  };
}

function localityObject(l: string): object {
  const [region, zone, sub_zone] = l.split('/');
  return { region, zone, sub_zone };
}
