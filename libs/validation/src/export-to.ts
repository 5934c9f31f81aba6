// `exportTo` visibility lists shared by VirtualService, DestinationRule and ServiceEntry.
import { isDNS1123Label } from './hosts.ts';
import type { Report } from './issues.ts';
import { strList } from './values.ts';

/** Options of the exportTo check that depend on the kind. */
export interface ExportToOptions {
  serviceEntry: boolean;
  destinationRuleWithSelector: boolean;
}

/** Validates an exportTo list against upstream's visibility rules. */
export function validateExportTo(r: Report, path: string, namespace: string, value: unknown, opts: ExportToOptions): void {
  const exportTo = strList(value);
  if (exportTo.length === 0) return;
  const seen = new Set<string>();
  for (const e of exportTo) {
    const key = e === '.' ? namespace : e;
    if (seen.has(key)) {
      r.error(path, key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`);
      continue;
    }
    if (opts.serviceEntry && e === '~') {
      seen.add(key);
    } else if (key !== '*' && key !== '.' && !isDNS1123Label(key)) {
      r.error(path, `only .,* or a valid DNS 1123 label is allowed as exportTo entry, found "${key}"`);
    } else {
      seen.add(key);
    }
  }
  if (opts.destinationRuleWithSelector && seen.size > 0) {
    if (seen.has(namespace)) {
      if (seen.size > 1) r.error(path, 'destination rule with workload selector cannot have multiple entries in exportTo');
    } else {
      r.error(path, 'destination rule with workload selector cannot have exportTo beyond current namespace');
    }
  }
  if (seen.has('*') && exportTo.length > 1) r.error(path, 'cannot have both public (*) and non-public exportTo values for a resource');
  if (seen.has('~') && exportTo.length > 1) r.error(path, 'cannot export service entry to no one (~) and someone');
}
