// WasmPlugin (upstream ValidateWasmPlugin).
import type { ResourceContext } from '../context.ts';
import type { Report } from '../issues.ts';
import { validatePolicySelection } from '../policy-target.ts';
import { arr, num, obj, str } from '../values.ts';

const SCHEMES = new Set(['', 'file', 'http', 'https', 'oci']);

/** The scheme of a plugin URL as Go's strict parse sees it (scheme-less `host/path` is read as http). */
function urlScheme(url: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (m) return (m[1] ?? '').toLowerCase();
  if (url.startsWith('/')) return '';
  try {
    new URL(`http://${url}`);
    return 'http';
  } catch {
    return undefined;
  }
}

/** Validates a WasmPlugin spec. */
export function validateWasmPlugin(r: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  validatePolicySelection(r, spec);
  const url = str(spec['url']);
  if (url === '') r.error('spec.url', 'url field needs to be set');
  else {
    const scheme = urlScheme(url);
    if (scheme === undefined) r.error('spec.url', `failed to parse url: ${url}`);
    else if (!SCHEMES.has(scheme)) r.error('spec.url', `url contains unsupported scheme: ${scheme}`);
  }
  const sha = str(spec['sha256']);
  if (sha !== '') {
    if (sha.length !== 64) r.error('spec.sha256', 'sha256 field must be 64 characters long');
    else if (!/^[a-f0-9]{64}$/.test(sha)) r.error('spec.sha256', 'sha256 field must match [a-f0-9]{64} pattern');
  }
  if (str(spec['imagePullSecret']).length > 253) r.error('spec.imagePullSecret', 'imagePullSecret field must be less than 253 characters long');
  if (str(spec['pluginName']).length > 256) r.error('spec.pluginName', 'pluginName field must be less than 255 characters long');
  const names = new Set<string>();
  for (const [i, item] of (arr(obj(spec['vmConfig'])?.['env']) ?? []).entries()) {
    const env = obj(item);
    if (!env) continue;
    const p = `spec.vmConfig.env[${i}]`;
    const name = str(env['name']);
    if (name === '') {
      r.error(p, 'spec.vmConfig.env invalid');
      break;
    }
    if (name.length > 256) {
      r.error(`${p}.name`, 'env.name field must be less than 255 characters long');
      break;
    }
    if (names.has(name)) {
      r.error(`${p}.name`, 'duplicate env');
      break;
    }
    names.add(name);
    const valueFrom = str(env['valueFrom']) || 'INLINE';
    if (valueFrom !== 'INLINE' && str(env['value']) !== '') {
      r.error(`${p}.value`, 'value may only be set when valueFrom is INLINE');
      break;
    }
  }
  for (const [i, item] of (arr(spec['match']) ?? []).entries()) {
    const sel = obj(item);
    if (!sel) {
      r.error(`spec.match[${i}]`, `spec.Match[${i}] is nil`);
      break;
    }
    for (const [j, p] of (arr(sel['ports']) ?? []).entries()) {
      const port = obj(p);
      const n = num(port?.['number']);
      if (!port) r.error(`spec.match[${i}].ports[${j}]`, `spec.Match[${i}].Ports[${j}] is nil`);
      else if (n <= 0 || n > 65535) r.error(`spec.match[${i}].ports[${j}].number`, `spec.Match[${i}].Ports[${j}] is out of range: ${n}`);
    }
  }
}
