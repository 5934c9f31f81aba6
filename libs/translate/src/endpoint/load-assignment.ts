// EDS: ClusterLoadAssignment per outbound cluster — endpoints grouped by locality, with health, weights,
// the tlsMode metadata auto-mTLS matches on, and locality failover priorities.
import type { LocalityLbSetting } from '@mesh/api';
import { labelsMatch, type EndpointModel, type Locality } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import { socketAddress } from '../util/envoy.ts';

function localityKey(l: Locality): string {
  return `${l.region}/${l.zone}/${l.subzone}`;
}

function localityJson(l: Locality): EnvoyJson {
  const out: EnvoyJson = {};
  if (l.region) out['region'] = l.region;
  if (l.zone) out['zone'] = l.zone;
  if (l.subzone) out['sub_zone'] = l.subzone;
  return out;
}

/** `<workload>;<namespace>;<canonical name>;<canonical revision>;<cluster>` — Istio's per-endpoint workload metadata. */
function workloadMetadata(e: EndpointModel): string {
  const name = e.labels['service.istio.io/canonical-name'] ?? e.labels['app.kubernetes.io/name'] ?? e.labels['app'] ?? e.workloadName;
  const rev = e.labels['service.istio.io/canonical-revision'] ?? e.labels['app.kubernetes.io/version'] ?? e.labels['version'] ?? 'latest';
  return `${e.workloadName};${e.namespace};${name};${rev};Kubernetes`;
}

function lbEndpoint(e: EndpointModel): EnvoyJson {
  const filterMetadata: EnvoyJson = {};
  if (e.tlsMode === 'istio') filterMetadata['envoy.transport_socket_match'] = { tlsMode: 'istio' };
  if (e.workloadName) filterMetadata['istio'] = { workload: workloadMetadata(e) };
  const out: EnvoyJson = { endpoint: { address: socketAddress(e.address, e.port) }, health_status: e.health };
  if (Object.keys(filterMetadata).length > 0) out['metadata'] = { filter_metadata: filterMetadata };
  out['load_balancing_weight'] = e.weight;
  return out;
}

/** Failover priority: 0 = same region/zone/subzone as the proxy, 1 = same region/zone, 2 = same region, 3 = elsewhere. */
function localityPriority(proxy: Locality, l: Locality): number {
  if (l.region !== proxy.region) return 3;
  if (l.zone !== proxy.zone) return 2;
  if (l.subzone !== proxy.subzone) return 1;
  return 0;
}

export interface LoadAssignmentOptions {
  readonly subsetLabels?: Readonly<Record<string, string>>;
  /** Set when locality failover applies (outlier detection + locality LB enabled + proxy has a locality). */
  readonly failoverFrom?: Locality;
  readonly localityLb?: LocalityLbSetting;
}

/** Builds a ClusterLoadAssignment; endpoints not matching the subset labels or UNHEALTHY are left out. */
export function buildLoadAssignment(clusterName: string, endpoints: readonly EndpointModel[], opts: LoadAssignmentOptions = {}): EnvoyJson {
  const groups = new Map<string, { locality: Locality; eps: EndpointModel[] }>();
  for (const e of endpoints) {
    if (e.health === 'UNHEALTHY') continue;
    if (opts.subsetLabels && !labelsMatch(opts.subsetLabels, e.labels)) continue;
    const key = localityKey(e.locality);
    const g = groups.get(key) ?? { locality: e.locality, eps: [] };
    g.eps.push(e);
    groups.set(key, g);
  }
  const keys = [...groups.keys()].sort();
  const out: EnvoyJson[] = keys.map((k) => {
    const g = groups.get(k)!;
    const eps = [...g.eps].sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
    const loc: EnvoyJson = {
      locality: localityJson(g.locality),
      lb_endpoints: eps.map(lbEndpoint),
      load_balancing_weight: eps.reduce((n, e) => n + e.weight, 0),
    };
    if (opts.failoverFrom) {
      const p = localityPriority(opts.failoverFrom, g.locality);
      if (p > 0) loc['priority'] = p;
    }
    return loc;
  });
  if (opts.failoverFrom) {
    // Envoy wants priorities to be contiguous from 0.
    const used = [...new Set(out.map((l) => (l['priority'] as number | undefined) ?? 0))].sort((a, b) => a - b);
    for (const l of out) {
      const p = used.indexOf((l['priority'] as number | undefined) ?? 0);
      if (p > 0) l['priority'] = p;
      else delete l['priority'];
    }
  }
  return { cluster_name: clusterName, endpoints: out };
}
