// EnvoyFilter (upstream envoyfilter.ValidateEnvoyFilter). The patch value itself is not decoded against Envoy's
// protos here; the structural rules (applyTo / match / patch consistency) are.
import type { ResourceContext } from '../context.ts';
import type { Report } from '../issues.ts';
import { validateSelectorLabels } from '../labels.ts';
import { checkRegex } from '../regex.ts';
import { arr, has, obj, str } from '../values.ts';

const LISTENER_CLASS = new Set(['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER']);
const ROUTE_CLASS = new Set(['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE']);
const HCM = new Set(['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager']);

/** Validates an EnvoyFilter spec. */
export function validateEnvoyFilter(r: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  r.warn('spec', 'EnvoyFilter exposes internal implementation details that may change at any time. Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.');
  if (has(spec, 'workloadSelector')) {
    const before = r.errors.length;
    validateSelectorLabels(r, 'spec.workloadSelector.labels', obj(spec['workloadSelector'])?.['labels'],
      'Envoy filter: workload selector specified without labels, will be applied to all services in namespace');
    if (r.errors.length > before) return;
  }
  (arr(spec['configPatches']) ?? []).forEach((item, i) => {
    const path = `spec.configPatches[${i}]`;
    const cp = obj(item);
    if (!cp) return r.error(path, 'Envoy filter: null config patch');
    const applyTo = str(cp['applyTo']);
    if (applyTo === '' || applyTo === 'INVALID') return r.error(`${path}.applyTo`, 'Envoy filter: missing applyTo');
    const patch = obj(cp['patch']);
    if (!patch) return r.error(`${path}.patch`, 'Envoy filter: missing patch');
    const operation = str(patch['operation']);
    if (operation === '' || operation === 'INVALID') return r.error(`${path}.patch.operation`, 'Envoy filter: missing patch operation');
    if (operation !== 'REMOVE' && !has(patch, 'value')) return r.error(`${path}.patch.value`, 'Envoy filter: missing patch value for non-remove operation');
    const match = obj(cp['match']);
    const proxyVersion = str(obj(match?.['proxy'])?.['proxyVersion']);
    if (proxyVersion !== '') {
      const err = checkRegex(proxyVersion, 'proxyVersion');
      if (err) return r.error(`${path}.match.proxy.proxyVersion`, `Envoy filter: invalid regex for proxy version, [${err}]`);
    }
    const objectType = match ? ['listener', 'routeConfiguration', 'cluster'].find((k) => has(match, k)) : undefined;
    if (LISTENER_CLASS.has(applyTo) && objectType) {
      if (objectType !== 'listener') return r.error(`${path}.match`, 'Envoy filter: applyTo for listener class objects cannot have non listener match');
      const filter = obj(obj(obj(match?.['listener'])?.['filterChain'])?.['filter']);
      if (filter) {
        const fp = `${path}.match.listener.filterChain.filter`;
        if (applyTo === 'LISTENER' || applyTo === 'FILTER_CHAIN') r.warn(fp, `Envoy filter: filter match has no effect when used with ${applyTo}`);
        if (str(filter['name']) === '') return r.error(`${fp}.name`, 'Envoy filter: filter match has no name to match on');
        const sub = obj(filter['subFilter']);
        if (sub) {
          if (applyTo !== 'HTTP_FILTER') return r.error(`${fp}.subFilter`, 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only');
          if (!HCM.has(str(filter['name']))) return r.error(`${fp}.subFilter`, 'Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager');
          if (str(sub['name']) === '') return r.error(`${fp}.subFilter.name`, 'Envoy filter: subfilter match has no name to match on');
        }
      }
    } else if (ROUTE_CLASS.has(applyTo) && objectType && objectType !== 'routeConfiguration') {
      r.error(`${path}.match`, 'Envoy filter: applyTo for http route class objects cannot have non route configuration match');
    } else if (applyTo === 'CLUSTER' && objectType && objectType !== 'cluster') {
      r.error(`${path}.match`, 'Envoy filter: applyTo for cluster class objects cannot have non cluster match');
    }
    if (operation !== 'REMOVE' && patch['value'] !== null && typeof patch['value'] !== 'object') {
      r.error(`${path}.patch.value`, 'Envoy filter: patch value must be an object');
    }
  });
}
