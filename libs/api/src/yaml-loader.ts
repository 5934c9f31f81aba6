// Multi-document YAML → typed resources, with one clear error per bad document.
import { parseAllDocuments } from 'yaml';
import { lookupKind } from './kinds.ts';
import type { Resource } from './meta.ts';
import { meshResourceKinds, type MeshResource, type OtherResource } from './resources.ts';

/** A document that could not be turned into a resource: its 0-based index, first line, field path and reason. */
export interface DocumentError {
  readonly index: number;
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

export interface ParsedDocuments {
  /** Resources of the kinds the model understands. */
  readonly resources: MeshResource[];
  /** Well-formed resources of other (known or unknown) kinds, passed through untyped. */
  readonly others: OtherResource[];
  readonly errors: DocumentError[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the envelope every resource shares; returns the error (path + reason) or undefined. */
function checkEnvelope(doc: Record<string, unknown>): { path: string; message: string } | undefined {
  if (typeof doc['apiVersion'] !== 'string' || doc['apiVersion'] === '') return { path: 'apiVersion', message: 'must be a non-empty string' };
  if (typeof doc['kind'] !== 'string' || doc['kind'] === '') return { path: 'kind', message: 'must be a non-empty string' };
  const meta = doc['metadata'];
  if (!isObject(meta)) return { path: 'metadata', message: 'must be an object' };
  if (typeof meta['name'] !== 'string' || meta['name'] === '') return { path: 'metadata.name', message: 'must be a non-empty string' };
  if (meta['namespace'] !== undefined && typeof meta['namespace'] !== 'string') return { path: 'metadata.namespace', message: 'must be a string' };
  for (const field of ['labels', 'annotations'] as const) {
    const m = meta[field];
    if (m === undefined) continue;
    if (!isObject(m)) return { path: `metadata.${field}`, message: 'must be a map of strings' };
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'string') return { path: `metadata.${field}.${k}`, message: 'must be a string' };
    }
  }
  const kind = doc['kind'];
  const info = lookupKind(doc['apiVersion'], kind);
  if (info && info.group.endsWith('istio.io') && doc['spec'] !== undefined && !isObject(doc['spec'])) {
    return { path: 'spec', message: 'must be an object' };
  }
  return undefined;
}

/**
 * Parses a multi-document YAML text. `List` documents (kubectl's `items`) are expanded. Empty documents are skipped.
 * Every bad document yields one error; the good ones are still returned.
 */
export function parseYamlDocuments(text: string): ParsedDocuments {
  const resources: MeshResource[] = [];
  const others: OtherResource[] = [];
  const errors: DocumentError[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const start = doc.contents?.range?.[0] ?? doc.range?.[0];
    const line = start === undefined ? 1 : lineOf(text, start);
    if (doc.errors.length > 0) {
      errors.push({ index, line, path: '', message: `invalid YAML: ${doc.errors[0]?.message ?? 'parse error'}` });
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isObject(value)) {
      errors.push({ index, line, path: '', message: 'document must be a mapping (a Kubernetes object)' });
      return;
    }
    const items = value['kind'] === 'List' && Array.isArray(value['items']) ? (value['items'] as unknown[]) : [value];
    items.forEach((item, i) => {
      const prefix = items.length > 1 || item !== value ? `items[${i}].` : '';
      if (!isObject(item)) {
        errors.push({ index, line, path: prefix.slice(0, -1), message: 'must be an object' });
        return;
      }
      const problem = checkEnvelope(item);
      if (problem) {
        errors.push({ index, line, path: prefix + problem.path, message: problem.message });
        return;
      }
      const kind = item['kind'] as string;
      const known = lookupKind(item['apiVersion'] as string, kind);
      if (known && meshResourceKinds.has(kind)) resources.push(item as unknown as MeshResource);
      else others.push(item as unknown as OtherResource & Resource);
    });
  });
  return { resources, others, errors };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Formats a document error as `document <n> (line <l>): <path>: <reason>`. */
export function formatDocumentError(e: DocumentError, file?: string): string {
  const where = `${file ? `${file}: ` : ''}document ${e.index + 1} (line ${e.line})`;
  return e.path ? `${where}: ${e.path}: ${e.message}` : `${where}: ${e.message}`;
}

/** Parses one YAML (or JSON) value, e.g. the `mesh` key of the `istio` ConfigMap; throws with the parser's message. */
export function parseYamlValue(text: string): unknown {
  const docs = parseAllDocuments(text);
  const doc = Array.isArray(docs) ? docs[0] : docs;
  if (!doc) return undefined;
  if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message ?? 'parse error'}`);
  return doc.toJS();
}
