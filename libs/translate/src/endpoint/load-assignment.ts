// EDS: ClusterLoadAssignment per outbound cluster — endpoints grouped by locality, with health, weights,
// the tlsMode metadata auto-mTLS matches on, and locality failover priorities.
import type { LocalityLbSetting } from '@mesh/api';
import { distributeWeight, failoverPriority, localityMatches } from './locality-lb.ts';
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

export interface LoadAssignmentOptions {
  readonly subsetLabels?: Readonly<Record<string, string>>;
  /** The proxy's locality when locality load balancing applies (see outbound-clusters.ts for when). */
  readonly proxyLocality?: Locality;
  /** Failover priorities need outlier detection, or Envoy never leaves priority 0. */
  readonly failover?: boolean;
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
  const from = opts.proxyLocality;
  const distributing = from !== undefined && opts.localityLb?.distribute?.some((d) => localityMatches(d.from, from)) === true;
  const out: EnvoyJson[] = [];
  for (const k of keys) {
    const g = groups.get(k)!;
    const eps = [...g.eps].sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
    let weight = eps.reduce((n, e) => n + e.weight, 0);
    if (from && distributing) {
      weight = distributeWeight(opts.localityLb, from, g.locality) ?? weight;
      if (weight === 0) continue; // `distribute` sends this locality nothing
    }
    const loc: EnvoyJson = { locality: localityJson(g.locality), lb_endpoints: eps.map(lbEndpoint), load_balancing_weight: weight };
    if (from && opts.failover && !distributing) {
      const p = failoverPriority(opts.localityLb, from, g.locality);
      if (p > 0) loc['priority'] = p;
    }
    out.push(loc);
  }
  if (from && opts.failover && !distributing) {
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
