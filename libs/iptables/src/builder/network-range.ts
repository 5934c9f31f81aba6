// Splits a CIDR list into IPv4 and IPv6 ranges (upstream separateV4V6), remembering wildcard and loopback.
import { splitList } from '../config/config.ts';
import { parsePrefix } from '../config/ip-prefix.ts';

/** CIDRs of one family from a list, plus whether the list was "*" and whether it names a loopback range. */
export interface NetworkRange {
  isWildcard: boolean;
  cidrs: string[];
  hasLoopback: boolean;
}

/** Splits "a,b,c" into v4 and v6 ranges; invalid entries are skipped and reported in `ignored` (upstream only warns). */
export function separateV4V6(list: string): { v4: NetworkRange; v6: NetworkRange; ignored: string[] } {
  if (list === '*') {
    return { v4: { isWildcard: true, cidrs: [], hasLoopback: false }, v6: { isWildcard: true, cidrs: [], hasLoopback: false }, ignored: [] };
  }
  const v4: NetworkRange = { isWildcard: false, cidrs: [], hasLoopback: false };
  const v6: NetworkRange = { isWildcard: false, cidrs: [], hasLoopback: false };
  const ignored: string[] = [];
  for (const item of splitList(list)) {
    const prefix = parsePrefix(item);
    if (!prefix) {
      ignored.push(item);
      continue;
    }
    const range = prefix.is4 ? v4 : v6;
    range.cidrs.push(prefix.text);
    if (prefix.isLoopback) range.hasLoopback = true;
  }
  return { v4, v6, ignored };
}
