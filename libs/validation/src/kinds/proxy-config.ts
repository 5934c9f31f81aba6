// ProxyConfig (upstream ValidateProxyConfig).
import type { ResourceContext } from '../context.ts';
import type { Report } from '../issues.ts';
import { validateSelectorLabels } from '../labels.ts';
import { has, num, obj, wrapped } from '../values.ts';

/** Validates a ProxyConfig spec. */
export function validateProxyConfig(r: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  if (has(spec, 'selector')) {
    validateSelectorLabels(r, 'spec.selector.matchLabels', obj(spec['selector'])?.['matchLabels'], 'workload selector specified without labels');
  }
  if (num(wrapped(spec['concurrency'])) < 0) r.error('spec.concurrency', 'concurrency must be greater than or equal to 0');
}
