// Locality load balancing over a ClusterLoadAssignment's locality groups: `distribute` weights, or failover
// priorities (same zone first, then same region, then the configured failover region, then the rest).
import type { LocalityLbSetting } from '@mesh/api';
import type { Locality } from '@mesh/model';

/** `region/zone/subzone` pattern matching with `*` wildcards; missing trailing parts match anything. */
export function localityMatches(pattern: string, l: Locality): boolean {
  const parts = pattern.split('/');
  const values = [l.region, l.zone, l.subzone];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '*';
    if (p === '*') return true;
    if (p !== values[i]) return false;
  }
  return true;
}

/**
 * Weight of a locality group under a `distribute` rule that applies to the proxy, or undefined when no rule applies.
 * Groups matched by no `to` entry get 0 (they receive no traffic).
 */
export function distributeWeight(setting: LocalityLbSetting | undefined, proxy: Locality, group: Locality): number | undefined {
  const rule = setting?.distribute?.find((d) => localityMatches(d.from, proxy));
  if (!rule) return undefined;
  for (const [to, weight] of Object.entries(rule.to)) if (localityMatches(to, group)) return weight;
  return 0;
}

/** Failover priority of a group relative to the proxy (0 = best). */
export function failoverPriority(setting: LocalityLbSetting | undefined, proxy: Locality, group: Locality): number {
  if (group.region === proxy.region) {
    if (group.zone !== proxy.zone) return 2;
    return group.subzone === proxy.subzone ? 0 : 1;
  }
  const target = setting?.failover?.find((f) => f.from === proxy.region)?.to;
  if (target !== undefined) return group.region === target ? 3 : 4;
  return 3;
}
