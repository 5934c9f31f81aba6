// Capture only traffic of selected owner groups (ISTIO_OUTBOUND_OWNER_GROUPS / _EXCLUDE).
import { splitList } from '../config/config.ts';
import { ISTIO_OUTPUT } from './chains.ts';
import type { RuleBuilder } from './rule-builder.ts';

/** Adds the owner-group filter: RETURN for excluded groups, or one RETURN for "none of the included groups". */
export function addOwnerGroupFilter(rb: RuleBuilder, include: string, exclude: string): void {
  if (include === '*') {
    for (const group of splitList(exclude)) rb.append(ISTIO_OUTPUT, 'nat', '-m', 'owner', '--gid-owner', group, '-j', 'RETURN');
    return;
  }
  // A single rule combining "not in group X" matches for every included group.
  const noneOf = splitList(include).flatMap((group) => ['-m', 'owner', '!', '--gid-owner', group]);
  rb.append(ISTIO_OUTPUT, 'nat', ...noneOf, '-j', 'RETURN');
}
