// Which pods get a sidecar (upstream injectRequired): host networking and system namespaces never do;
// the pod's `sidecar.istio.io/inject` label (or legacy annotation) decides, else the selectors and policy.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { goString, isObj, stringMap } from './json-util.ts';

/** Namespaces never injected. */
export const ignoredNamespaces = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];

/** The parts of the injector config selection reads. */
export interface SelectionConfig {
  policy: string;
  neverInjectSelector: JsonObject[];
  alwaysInjectSelector: JsonObject[];
}

/** Kubernetes label selector match; an empty selector matches nothing here (as upstream treats it). */
export function selectorMatches(selector: JsonObject, labels: Record<string, string>): boolean {
  const ml = isObj(selector['matchLabels']) ? selector['matchLabels'] : {};
  const exprs = Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'].filter(isObj) : [];
  if (Object.keys(ml).length === 0 && exprs.length === 0) return false;
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== goString(v as JsonValue)) return false;
  for (const e of exprs) {
    const key = goString(e['key']);
    const vals = Array.isArray(e['values']) ? e['values'].map(goString) : [];
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (goString(e['operator'])) {
      case 'In': if (!has || !vals.includes(labels[key] as string)) return false; break;
      case 'NotIn': if (has && vals.includes(labels[key] as string)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** Whether a pod (its spec and metadata) should be injected. */
export function injectRequired(config: SelectionConfig, spec: JsonObject, metadata: JsonObject): boolean {
  if (spec['hostNetwork'] === true) return false;
  if (ignoredNamespaces.includes(goString(metadata['namespace']))) return false;
  const labels = stringMap(metadata, 'labels');
  const annotations = stringMap(metadata, 'annotations');
  let selector = annotations['sidecar.istio.io/inject'] ?? '';
  if (labels['sidecar.istio.io/inject'] !== undefined) selector = labels['sidecar.istio.io/inject'];
  let useDefault = false;
  let inject = false;
  switch (selector.toLowerCase()) {
    case 'y': case 'yes': case 'true': case 'on':
      inject = true;
      break;
    case 'n': case 'no': case 'false': case 'off':
      inject = false;
      break;
    default:
      useDefault = true;
  }
  if (useDefault) {
    if (config.neverInjectSelector.some((s) => selectorMatches(s, labels))) {
      inject = false;
      useDefault = false;
    } else if (config.alwaysInjectSelector.some((s) => selectorMatches(s, labels))) {
      inject = true;
      useDefault = false;
    }
  }
  switch (config.policy) {
    case 'enabled': return useDefault ? true : inject;
    case 'disabled': return useDefault ? false : inject;
    default: return false;
  }
}
