// Kubernetes label maps and workload selectors.
import { isDNS1123Label } from './hosts.ts';
import type { Report } from './issues.ts';
import { child } from './issues.ts';
import { isObj, obj } from './values.ts';

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function isDNS1123Subdomain(value: string): boolean {
  return value.length > 0 && value.length <= 253 && value.split('.').every((p) => isDNS1123Label(p));
}

/** Checks a label key (`[prefix/]name`); returns the reason when invalid. */
export function checkLabelKey(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    if (!isDNS1123Subdomain(parts[0] ?? '')) return `invalid tag key prefix: ${JSON.stringify(parts[0])}`;
    name = parts[1] ?? '';
  } else if (parts.length > 2) {
    return `invalid tag key: ${JSON.stringify(key)}`;
  }
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) return `invalid tag key: ${JSON.stringify(key)}`;
  return undefined;
}

/** Checks a label value (may be empty). */
export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) return `invalid tag value: ${JSON.stringify(value)}`;
  return undefined;
}

/** Validates a label map (upstream labels.Instance.Validate). */
export function validateLabels(r: Report, path: string, value: unknown): void {
  const labels = obj(value);
  if (!labels) return;
  for (const [k, v] of Object.entries(labels)) {
    const p = child(path, k);
    r.check(p, checkLabelKey(k));
    if (typeof v === 'string') r.check(p, checkLabelValue(v));
  }
}

/**
 * Validates a workload selector's label map: no empty keys, no wildcards, and a warning when it selects everything.
 * `present` says whether the selector object itself was set.
 */
export function validateSelectorLabels(r: Report, path: string, labels: unknown, warning: string): void {
  const map = isObj(labels) ? labels : {};
  for (const [k, raw] of Object.entries(map)) {
    const v = typeof raw === 'string' ? raw : '';
    if (k === '') r.error(child(path, k), `empty key is not supported in selector: "${k}=${v}"`);
    if (k.includes('*') || v.includes('*')) r.error(child(path, k), `wildcard is not supported in selector: "${k}=${v}"`);
  }
  if (Object.keys(map).length === 0) r.warn(path, warning);
}
