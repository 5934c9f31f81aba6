// Telemetry (upstream ValidateTelemetry).
import type { ResourceContext } from '../context.ts';
import type { Report } from '../issues.ts';
import { validatePolicySelection } from '../policy-target.ts';
import { arr, has, num, obj, str, wrapped } from '../values.ts';

function validateProviders(r: Report, path: string, value: unknown): void {
  const providers = arr(value) ?? [];
  if (providers.some((p) => str(obj(p)?.['name']) === '')) r.error(path, 'providers.name may not be empty');
}

function validateTracing(r: Report, value: unknown): void {
  const tracing = arr(value) ?? [];
  if (tracing.length > 1) r.warn('spec.tracing', 'multiple tracing is not currently supported');
  tracing.forEach((item, i) => {
    const t = obj(item);
    if (!t) return;
    const path = `spec.tracing[${i}]`;
    if ((arr(t['providers']) ?? []).length > 1) r.warn(`${path}.providers`, 'multiple providers is not currently supported');
    validateProviders(r, `${path}.providers`, t['providers']);
    const pct = num(wrapped(t['randomSamplingPercentage']));
    if (pct < 0 || pct > 100) r.error(`${path}.randomSamplingPercentage`, 'randomSamplingPercentage must be in range [0.0, 100.0]');
    for (const [name, tagValue] of Object.entries(obj(t['customTags']) ?? {})) {
      const p = `${path}.customTags[${JSON.stringify(name)}]`;
      if (name === '') r.error(p, 'tag name may not be empty');
      const tag = obj(tagValue);
      if (!tag) {
        r.error(p, `tag '${name}' may not have a nil value`);
        continue;
      }
      if (has(tag, 'literal') && str(obj(tag['literal'])?.['value']) === '') r.error(`${p}.literal.value`, 'literal tag value may not be empty');
      if (has(tag, 'header') && str(obj(tag['header'])?.['name']) === '') r.error(`${p}.header.name`, 'header tag name may not be empty');
      if (has(tag, 'environment') && str(obj(tag['environment'])?.['name']) === '') r.error(`${p}.environment.name`, 'environment tag name may not be empty');
    }
  });
}

function validateMetrics(r: Report, value: unknown): void {
  (arr(value) ?? []).forEach((item, i) => {
    const m = obj(item);
    if (!m) return;
    const path = `spec.metrics[${i}]`;
    validateProviders(r, `${path}.providers`, m['providers']);
    (arr(m['overrides']) ?? []).forEach((o, j) => {
      const op = `${path}.overrides[${j}]`;
      const override = obj(o);
      if (!override) return r.error(op, 'tagOverrides may not be null');
      for (const [tagName, tov] of Object.entries(obj(override['tagOverrides']) ?? {})) {
        const p = `${op}.tagOverrides[${JSON.stringify(tagName)}]`;
        if (tagName === '') r.warn(p, 'tagOverrides.name may not be empty');
        const to = obj(tov);
        if (!to) {
          r.error(p, 'tagOverrides may not be null');
          continue;
        }
        const operation = str(to['operation']) || 'UPSERT';
        if (operation === 'UPSERT' && str(to['value']) === '') r.error(`${p}.value`, 'tagOverrides.value must be set when operation is UPSERT');
        if (operation === 'REMOVE' && str(to['value']) !== '') r.error(`${p}.value`, 'tagOverrides.value may only be set when operation is UPSERT');
      }
      const match = obj(override['match']);
      if (match && has(match, 'customMetric') && str(match['customMetric']) === '') r.error(`${op}.match.customMetric`, 'customMetric may not be empty');
    });
  });
}

/** Validates a Telemetry spec. */
export function validateTelemetry(r: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  validatePolicySelection(r, spec);
  validateMetrics(r, spec['metrics']);
  validateTracing(r, spec['tracing']);
  (arr(spec['accessLogging']) ?? []).forEach((item, i) => {
    const l = obj(item);
    if (l) validateProviders(r, `spec.accessLogging[${i}].providers`, l['providers']);
  });
}
