// Locality load-balancing settings (distribute / failover / failoverPriority).
import type { Report } from './issues.ts';
import { child } from './issues.ts';
import { arr, num, obj, str, strList } from './values.ts';

const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);

function checkLocalities(localities: string[]): string | undefined {
  const tree = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 0 && (stars > 1 || !locality.endsWith('*'))) {
      return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    }
    if (tree.has('*')) return `locality ${locality} overlap with previous specified ones`;
    const items = locality.split('/');
    const parts = items.length > 3 ? [items[0], items[1], items.slice(2).join('/')] : items;
    if (parts.some((p) => p === '')) return `locality ${locality} must not contain empty region/zone/subzone info`;
    const [region = '', zone = '', subZone = ''] = parts;
    const zones = tree.get(region);
    if (parts.length === 1) {
      if (zones) return `locality ${locality} overlap with previous specified ones`;
      tree.set(region, new Map([['*', new Set(['*'])]]));
    } else if (parts.length === 2) {
      if (zones && (zones.has('*') || zones.has(zone))) return `locality ${locality} overlap with previous specified ones`;
      if (zones) zones.set(zone, new Set(['*']));
      else tree.set(region, new Map([[zone, new Set(['*'])]]));
    } else {
      if (zones?.has('*')) return `locality ${locality} overlap with previous specified ones`;
      const subs = zones?.get(zone);
      if (subs && (subs.has('*') || subs.has(subZone))) return `locality ${locality} overlap with previous specified ones`;
      if (subs) subs.add(subZone);
      else if (zones) zones.set(zone, new Set([subZone]));
      else tree.set(region, new Map([[zone, new Set([subZone])]]));
    }
  }
  return undefined;
}

/** Validates a LocalityLoadBalancerSetting; failover without outlier detection only warns. */
export function validateLocalityLb(r: Report, path: string, value: unknown, outlier: unknown): void {
  const lb = obj(value);
  if (!lb) return;
  const distribute = arr(lb['distribute']) ?? [];
  const failover = arr(lb['failover']) ?? [];
  const priority = strList(lb['failoverPriority']);
  if (distribute.length > 0 && failover.length > 0) {
    r.error(path, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (failover.length > 0) {
    const topo = priority.find((p) => TOPOLOGY_LABELS.has(p));
    if (topo) {
      r.error(child(path, 'failoverPriority'), `can not simultaneously set 'failover' and topology label '${topo}' in 'failover_priority'`);
      return;
    }
  }
  const sources: string[] = [];
  for (const [i, item] of distribute.entries()) {
    const d = obj(item) ?? {};
    sources.push(str(d['from']));
    let total = 0;
    const dests: string[] = [];
    for (const [loc, w] of Object.entries(obj(d['to']) ?? {})) {
      dests.push(loc);
      const weight = num(w);
      if (weight <= 0 || weight > 100) {
        r.error(child(child(path, 'distribute'), i), 'locality weight must be in range [1, 100]');
        return;
      }
      total += weight;
    }
    if (total !== 100) {
      r.error(child(child(path, 'distribute'), i), `total locality weight ${total} != 100`);
      return;
    }
    r.check(child(child(path, 'distribute'), i), checkLocalities(dests));
  }
  r.check(child(path, 'distribute'), checkLocalities(sources));
  if ((failover.length > 0 || priority.length > 0) && (outlier === undefined || outlier === null)) {
    r.warn(path, 'outlier detection policy must be provided for failover');
  }
  failover.forEach((item, i) => {
    const f = obj(item) ?? {};
    const from = str(f['from']);
    const to = str(f['to']);
    const p = child(child(path, 'failover'), i);
    if (from === to) r.error(p, 'locality lb failover settings must specify different regions');
    if (from.includes('/') || to.includes('/')) r.error(p, 'locality lb failover only specify region');
    if (from.includes('*') || to.includes('*')) r.error(p, "locality lb failover region should not contain '*' wildcard");
  });
}
