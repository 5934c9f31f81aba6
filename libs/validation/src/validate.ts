// Entry points: validate(kind, object) runs upstream's per-kind rules; validateObject(obj) also checks the
// envelope (apiVersion, kind, metadata) and the CRD schema's value constraints, as an apiserver would.
import type { ResourceContext } from './context.ts';
import type { ValidationResult } from './issues.ts';
import { Report } from './issues.ts';
import { kindInfo, knownKinds } from './kinds.ts';
import { validateAnnotations, validateObjectMeta } from './metadata.ts';
import type { SchemaLevel } from './schema/openapi.ts';
import { checkSchema } from './schema/openapi.ts';
import { isObj, obj, str } from './values.ts';

/** Options of validate(). */
export interface ValidateOptions {
  /** 'structural' (default): types, unknown fields, enums; 'full': also the CRD's ranges, lengths, patterns. */
  schema?: SchemaLevel;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value) ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Validates an Istio resource of the given kind; never throws. */
export function validate(kind: string, object: unknown, options: ValidateOptions = {}): ValidationResult {
  const r = new Report();
  try {
    const info = kindInfo(kind);
    if (!info) {
      r.error('kind', `unknown kind "${kind}"; supported kinds: ${knownKinds().join(', ')}`);
      return r.result();
    }
    if (!isObj(object)) {
      r.error('', `a ${kind} must be an object, got ${object === null ? 'null' : Array.isArray(object) ? 'array' : typeof object}`);
      return r.result();
    }
    const metadata = obj(object['metadata']) ?? {};
    const rawSpec = object['spec'];
    if (rawSpec !== undefined && rawSpec !== null && !isObj(rawSpec)) {
      r.error('spec', `spec must be an object, got ${Array.isArray(rawSpec) ? 'array' : typeof rawSpec}`);
      return r.result();
    }
    const ctx: ResourceContext = {
      name: str(metadata['name']),
      namespace: str(metadata['namespace']),
      labels: stringMap(metadata['labels']),
      annotations: stringMap(metadata['annotations']),
      spec: obj(rawSpec) ?? {},
    };
    if (!validateAnnotations(r, kind, ctx.name, ctx.namespace, ctx.annotations, str(ctx.spec['action']) || 'ALLOW')) return r.result();
    checkSchema(r, 'spec', ctx.spec, info.schema, options.schema ?? 'structural');
    info.validator?.(r, ctx);
  } catch (err) {
    // The validators are defensive; this only guards against a bug turning into a crash of the caller.
    r.error('', `internal validation error: ${(err as Error).message}`);
  }
  return r.result();
}

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/** Validates a whole Kubernetes object: apiVersion/kind dispatch, metadata, schema and the kind's rules. */
export function validateObject(object: unknown): ValidationResult & { kind: string } {
  const r = new Report();
  if (!isObj(object)) {
    r.error('', 'a resource must be an object with apiVersion, kind, metadata and spec');
    return { kind: '', ...r.result() };
  }
  const kind = str(object['kind']);
  const apiVersion = str(object['apiVersion']);
  if (kind === '') r.error('kind', 'kind is required');
  if (apiVersion === '') r.error('apiVersion', 'apiVersion is required');
  if (!r.ok) return { kind, ...r.result() };
  const info = kindInfo(kind);
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (!info || info.group !== group) {
    r.error('kind', `unknown kind ${apiVersion}/${kind}; supported kinds: ${knownKinds().join(', ')}`);
    return { kind, ...r.result() };
  }
  if (!info.versions.includes(version)) {
    r.error('apiVersion', `version "${version}" of ${group} is not served; use one of ${info.versions.map((v) => `${group}/${v}`).join(', ')}`);
  }
  for (const key of Object.keys(object)) {
    if (!TOP_LEVEL.has(key)) r.error(key, `unknown field "${key}"`);
  }
  validateObjectMeta(r, object['metadata']);
  const result = validate(kind, object, { schema: 'full' });
  return { kind, errors: [...r.errors, ...result.errors], warnings: [...r.warnings, ...result.warnings] };
}
