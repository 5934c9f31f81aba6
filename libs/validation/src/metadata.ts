// Object metadata rules: Kubernetes name/namespace formats and the annotations upstream's validateMetadata checks.
import type { Report } from './issues.ts';
import { child } from './issues.ts';
import { validateLabels } from './labels.ts';
import { isObj } from './values.ts';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL_LOWER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const REJECTED = ['internal.istio.io/webhook-always-reject', 'internal.istio.io/parent-namespace', 'internal.istio.io/parents'];
const DRY_RUN = 'istio.io/dry-run';

/** Checks the annotations every kind's validator checks first (upstream validateMetadata); true when fine. */
export function validateAnnotations(r: Report, kind: string, name: string, namespace: string, annotations: Record<string, string>, action: string): boolean {
  const before = r.errors.length;
  const dryRun = annotations[DRY_RUN];
  if (dryRun !== undefined) {
    const path = child('metadata.annotations', DRY_RUN);
    if (kind !== 'AuthorizationPolicy') {
      r.error(path, `${namespace}/${name} has unsupported annotation ${DRY_RUN}, please remove the annotation`);
    } else if (action !== 'ALLOW' && action !== 'DENY') {
      r.error(path, `the annotation ${DRY_RUN} currently only supports action ALLOW/DENY, found action ${action} in ${namespace}/${name}`);
    } else if (!['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(dryRun)) {
      r.error(path, `${namespace}/${name} has annotation ${DRY_RUN} with invalid value (${dryRun}): strconv.ParseBool: parsing "${dryRun}": invalid syntax`);
    }
  }
  for (const key of REJECTED) {
    if (annotations[key] !== undefined) r.error(child('metadata.annotations', key), `"${key}" annotation found, rejecting`);
  }
  return r.errors.length === before;
}

/** Checks name, namespace, labels and annotation shapes of an object's metadata (the apiserver's rules). */
export function validateObjectMeta(r: Report, metadata: unknown): void {
  if (!isObj(metadata)) {
    r.error('metadata', 'metadata is required');
    return;
  }
  const name = metadata['name'];
  if (typeof name !== 'string' || name === '') {
    if (typeof metadata['generateName'] !== 'string') r.error('metadata.name', 'Required value: name or generateName is required');
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    r.error('metadata.name', `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
  }
  const ns = metadata['namespace'];
  if (ns !== undefined && (typeof ns !== 'string' || ns.length > 63 || !DNS1123_LABEL_LOWER.test(ns))) {
    r.error('metadata.namespace', `Invalid value: ${JSON.stringify(ns)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`);
  }
  for (const field of ['labels', 'annotations']) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (!isObj(map)) {
      r.error(`metadata.${field}`, `must be a map of strings`);
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string') r.error(child(`metadata.${field}`, k), 'value must be a string');
    }
  }
  validateLabels(r, 'metadata.labels', metadata['labels']);
}
