// PeerAuthentication (upstream ValidatePeerAuthentication).
import type { ResourceContext } from '../context.ts';
import type { Report } from '../issues.ts';
import { validateSelectorLabels } from '../labels.ts';
import { has, len, obj } from '../values.ts';

/** Validates a PeerAuthentication spec. */
export function validatePeerAuthentication(r: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  const selector = obj(spec['selector']);
  const emptySelector = !selector || len(selector['matchLabels']) === 0;
  const portLevel = spec['portLevelMtls'];
  if (emptySelector && len(portLevel) !== 0) r.error('spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS');
  if (portLevel !== undefined && portLevel !== null && len(portLevel) === 0) {
    r.error('spec.portLevelMtls', 'port level mTLS, if defined, must have at least one element');
  }
  for (const key of Object.keys(obj(portLevel) ?? {})) {
    const port = /^\d+$/.test(key) ? Number(key) : -1;
    if (port <= 0 || port > 65535) r.error(`spec.portLevelMtls[${JSON.stringify(key)}]`, 'port must be in range 1..65535');
  }
  if (has(spec, 'selector')) {
    validateSelectorLabels(r, 'spec.selector.matchLabels', selector?.['matchLabels'], 'workload selector specified without labels');
  }
}
