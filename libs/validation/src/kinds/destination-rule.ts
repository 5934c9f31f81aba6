// DestinationRule (upstream ValidateDestinationRule).
import type { ResourceContext } from '../context.ts';
import { validateExportTo } from '../export-to.ts';
import { checkWildcardDomain, isDNS1123Label } from '../hosts.ts';
import type { Report } from '../issues.ts';
import { validateLabels, validateSelectorLabels } from '../labels.ts';
import { validateTrafficPolicy } from '../traffic-policy.ts';
import { arr, has, obj, str } from '../values.ts';

/** Checks a subset name: non-empty DNS-1123 label. */
export function checkSubsetName(name: string): string | undefined {
  if (name.length === 0) return 'subset name cannot be empty';
  if (!isDNS1123Label(name)) return `subset name is invalid: ${name}`;
  return undefined;
}

/** Validates a DestinationRule spec. */
export function validateDestinationRule(r: Report, ctx: ResourceContext): void {
  const { spec, namespace } = ctx;
  r.check('spec.host', checkWildcardDomain(str(spec['host'])));
  validateTrafficPolicy(r, 'spec.trafficPolicy', spec['trafficPolicy'], namespace);
  const names = new Set<string>();
  (arr(spec['subsets']) ?? []).forEach((item, i) => {
    const path = `spec.subsets[${i}]`;
    const subset = obj(item);
    if (!subset) {
      r.error(path, 'subset may not be null');
      return;
    }
    const name = str(subset['name']);
    if (names.has(name)) r.error(`${path}.name`, `duplicate subset names: ${name}`);
    names.add(name);
    r.check(`${path}.name`, checkSubsetName(name));
    validateLabels(r, `${path}.labels`, subset['labels']);
    validateTrafficPolicy(r, `${path}.trafficPolicy`, subset['trafficPolicy'], namespace);
  });
  const selector = obj(spec['workloadSelector']);
  validateExportTo(r, 'spec.exportTo', namespace, spec['exportTo'], {
    serviceEntry: false,
    destinationRuleWithSelector: has(spec, 'workloadSelector'),
  });
  if (has(spec, 'workloadSelector')) {
    validateSelectorLabels(r, 'spec.workloadSelector.matchLabels', selector?.['matchLabels'], 'workload selector specified without labels');
  }
}
