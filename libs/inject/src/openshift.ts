// OpenShift: pods run with UIDs from the namespace's pre-allocated range, so the proxy takes the top of it.
import type { JsonObject } from './go-yaml.ts';
import { stringMap } from './json-util.ts';

/** Proxy UID/GID: 1337, or on OpenShift the max of the namespace UID range / first supplemental group range. */
export function proxyIDs(namespace: JsonObject | undefined): { uid: number; gid: number } {
  let uid = 1337;
  let gid = 1337;
  if (!namespace) return { uid, gid };
  const meta = namespace['metadata'];
  const a = stringMap(typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? meta : {}, 'annotations');
  const range = parseRange(a['openshift.io/sa.scc.uid-range']);
  if (range) uid = range;
  const groups = a['openshift.io/sa.scc.supplemental-groups'];
  const g = parseRange(groups?.split(',')[0]);
  if (g) gid = g;
  return { uid, gid };
}

// "1000620000/10000" (start/size) or "1000620000-1000629999" (start-end) → the largest id in the range.
function parseRange(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const slash = /^\s*(\d+)\/(\d+)\s*$/.exec(v);
  if (slash) return Number(slash[1]) + Number(slash[2]) - 1;
  const dash = /^\s*(\d+)-(\d+)\s*$/.exec(v);
  if (dash) return Number(dash[2]);
  return undefined;
}
