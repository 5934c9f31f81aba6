// Selection of the workloads a policy applies to: `selector`, `targetRef` or `targetRefs` (security, telemetry, extensions).
import type { Report } from './issues.ts';
import { child } from './issues.ts';
import { validateSelectorLabels } from './labels.ts';
import type { Obj } from './values.ts';
import { arr, has, obj, str } from './values.ts';

const ALLOWED_TARGETS = [
  { group: 'core', kind: 'Service' },
  { group: 'networking.istio.io', kind: 'ServiceEntry' },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway' },
];
const ALLOWED_TEXT = '[/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway]';

/** Validates one policy target reference. */
export function validateTargetRef(r: Report, path: string, value: unknown, extraKinds: { group: string; kind: string }[] = []): void {
  const ref = obj(value);
  if (!ref) return;
  if (str(ref['name']) === '') r.error(child(path, 'name'), 'targetRef name must be set');
  if (str(ref['namespace']) !== '') {
    r.error(child(path, 'namespace'), 'targetRef namespace must not be set; cross namespace referencing is not supported');
  }
  const group = str(ref['group']) || 'core';
  const kind = str(ref['kind']);
  const allowed = [...ALLOWED_TARGETS, ...extraKinds].some((t) => t.kind === kind && t.group === group);
  if (!allowed) r.error(path, `targetRef must be to one of ${ALLOWED_TEXT} but was ${str(ref['group'])}/${kind}`);
}

/**
 * Validates the selector/targetRef/targetRefs trio of a policy spec: at most one is set, selector labels are sane,
 * references point at supported kinds.
 */
export function validatePolicySelection(r: Report, spec: Obj, extraKinds: { group: string; kind: string }[] = []): void {
  const refs = arr(spec['targetRefs']) ?? [];
  const set = (has(spec, 'selector') ? 1 : 0) + (has(spec, 'targetRef') ? 1 : 0) + (refs.length > 0 ? 1 : 0);
  if (set > 1) r.error('spec', 'only one of targetRefs or workloadSelector can be set');
  if (has(spec, 'selector')) {
    const selector = obj(spec['selector']) ?? {};
    validateSelectorLabels(r, 'spec.selector.matchLabels', selector['matchLabels'], 'workload selector specified without labels');
  }
  validateTargetRef(r, 'spec.targetRef', spec['targetRef'], extraKinds);
  refs.forEach((ref, i) => validateTargetRef(r, `spec.targetRefs[${i}]`, ref, extraKinds));
}
