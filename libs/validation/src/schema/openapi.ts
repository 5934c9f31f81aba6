// A small OpenAPI v3 (Kubernetes structural schema) checker for CRD specs: wrong types, unknown fields, enums and
// oneOf exclusivity always; value constraints (ranges, lengths, patterns, required) only at the 'full' level, as
// the apiserver enforces them but upstream's Go validators do not.
import { child, Report } from '../issues.ts';
import { isObj } from '../values.ts';

/** The subset of an OpenAPI schema node the CRDs use. */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  pattern?: string;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  allOf?: SchemaNode[];
  not?: SchemaNode;
  nullable?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** How much of the schema to enforce. */
export type SchemaLevel = 'structural' | 'full';

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(schema: SchemaNode, value: unknown): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  switch (schema.type) {
    case undefined: return true;
    case 'object': return isObj(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'boolean': return typeof value === 'boolean';
    default: return true;
  }
}

/** True when the value satisfies a oneOf/anyOf/not branch (these use `required` and nested combinators). */
function satisfies(schema: SchemaNode, value: unknown): boolean {
  if (schema.type !== undefined && !typeMatches(schema, value)) return false;
  const probe = new Report();
  checkValueConstraints(probe, '', value, schema);
  if (!probe.ok) return false;
  if (schema.oneOf && schema.oneOf.filter((s) => satisfies(s, value)).length !== 1) return false;
  if (schema.anyOf && !schema.anyOf.some((s) => satisfies(s, value))) return false;
  if (schema.allOf && !schema.allOf.every((s) => satisfies(s, value))) return false;
  if (schema.not && satisfies(schema.not, value)) return false;
  return true;
}

function checkCombinators(r: Report, path: string, value: unknown, schema: SchemaNode): void {
  if (schema.oneOf) {
    const n = schema.oneOf.filter((s) => satisfies(s, value)).length;
    if (n !== 1) r.error(path, 'only one of the mutually exclusive fields may be set');
  }
  if (schema.anyOf && !schema.anyOf.some((s) => satisfies(s, value))) r.error(path, 'must set one of the required alternatives');
  if (schema.allOf) for (const s of schema.allOf) if (!satisfies(s, value)) r.error(path, 'does not satisfy the schema');
  if (schema.not && satisfies(schema.not, value)) r.error(path, 'sets fields that may not be combined');
}

function checkValueConstraints(r: Report, path: string, value: unknown, schema: SchemaNode): void {
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) r.error(path, `must be greater than or equal to ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) r.error(path, `must be less than or equal to ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) r.error(path, `should be at least ${schema.minLength} chars long`);
    if (schema.maxLength !== undefined && length > schema.maxLength) r.error(path, `may not be longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined) {
      try {
        if (!new RegExp(schema.pattern, 'u').test(value)) r.error(path, `should match '${schema.pattern}'`);
      } catch {
        // A pattern the JS engine cannot compile is not enforced.
      }
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) r.error(path, `should have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) r.error(path, `must have at most ${schema.maxItems} items`);
  }
  if (isObj(value)) {
    const n = Object.keys(value).length;
    if (schema.minProperties !== undefined && n < schema.minProperties) r.error(path, `should have at least ${schema.minProperties} properties`);
    if (schema.maxProperties !== undefined && n > schema.maxProperties) r.error(path, `must have at most ${schema.maxProperties} properties`);
    for (const req of schema.required ?? []) if (value[req] === undefined) r.error(child(path, req), 'Required value');
  }
}

function checkNode(r: Report, path: string, value: unknown, schema: SchemaNode, level: SchemaLevel): void {
  if (!typeMatches(schema, value)) {
    const expected = schema['x-kubernetes-int-or-string'] ? 'integer or string' : schema.type ?? 'any';
    r.error(path, `Invalid value: "${typeName(value)}": ${path} in body must be of type ${expected}`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    r.error(path, `Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if (level === 'full') checkValueConstraints(r, path, value, schema);
  if (isObj(value) && (schema.oneOf || schema.anyOf || schema.allOf || schema.not)) checkCombinators(r, path, value, schema);
  if (schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((item, i) => {
      if (item === null && !items.nullable) r.error(child(path, i), `Invalid value: "null": ${child(path, i)} in body must be of type ${items.type ?? 'object'}`);
      else if (item !== null) checkNode(r, child(path, i), item, items, level);
    });
  }
  if (isObj(value)) {
    const props = schema.properties;
    const additional = schema.additionalProperties;
    for (const [key, sub] of Object.entries(value)) {
      const p = child(path, key);
      // Kubernetes prunes nulls of non-nullable fields before validation; treat them as absent.
      if (sub === null || sub === undefined) continue;
      const propSchema = props?.[key];
      if (propSchema) checkNode(r, p, sub, propSchema, level);
      else if (typeof additional === 'object') checkNode(r, p, sub, additional, level);
      else if (props && additional !== true) r.error(p, `unknown field "${key}"`);
    }
  }
}

/** Checks a value against a CRD schema node; paths of findings start at `path`. */
export function checkSchema(r: Report, path: string, value: unknown, schema: SchemaNode, level: SchemaLevel): void {
  checkNode(r, path, value, schema, level);
}
