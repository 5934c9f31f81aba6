// Test-case loading for golden tests: a `<case>.in.yaml` is a header document (`test:` with the proxy, mesh
// config, included files and simulated requests) followed by Kubernetes/Istio objects.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatDocumentError, parseYamlDocuments, type MeshResource } from '@mesh/api';
import type { MeshConfigInput } from '@mesh/model';
import { parseAllDocuments } from 'yaml';
import type { SimulatedRequest, SimulationResult } from './simulate.ts';

export interface GoldenHeader {
  /** xDS node id of the proxy to generate for. */
  readonly proxy: string;
  readonly metadata?: Record<string, unknown>;
  readonly locality?: { region?: string; zone?: string; sub_zone?: string };
  readonly mesh?: MeshConfigInput;
  /** Files (relative to the case) to load first; `file#0,2` keeps only those documents. */
  readonly include?: string[];
  /** Resource types to write to the golden (default: all four). */
  readonly only?: Array<'listeners' | 'routes' | 'clusters' | 'endpoints' | 'secrets'>;
  readonly simulate?: Array<{ request: SimulatedRequest; expect: Partial<SimulationResult> }>;
}

export interface GoldenCase {
  readonly header: GoldenHeader;
  readonly objects: MeshResource[];
}

function loadDocs(path: string, pick?: number[]): MeshResource[] {
  const text = readFileSync(path, 'utf8');
  const parsed = parseYamlDocuments(text);
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map((e) => formatDocumentError(e, path)).join('\n'));
  if (!pick) return parsed.resources;
  // Document indexes refer to non-empty documents in file order.
  const all = parseAllDocuments(text);
  const docs = (Array.isArray(all) ? all : [all]).filter((d) => d.toJS() != null);
  const wanted = pick.map((i) => docs[i]?.toString() ?? '').join('\n---\n');
  return parseYamlDocuments(wanted).resources;
}

/** Reads a case: included files first, then the case's own objects; later objects replace earlier ones (like kubectl apply). */
export function loadGoldenCase(path: string): GoldenCase {
  const text = readFileSync(path, 'utf8');
  const [first, ...rest] = text.split(/^---\s*$/m);
  const headerDoc = parseAllDocuments(first ?? '');
  const headerValue = (Array.isArray(headerDoc) ? headerDoc[0] : headerDoc)?.toJS() as { test?: GoldenHeader } | undefined;
  if (!headerValue?.test?.proxy) throw new Error(`${path}: the first document must be a header with test.proxy`);
  const header = headerValue.test;
  const objects: MeshResource[] = [];
  for (const inc of header.include ?? []) {
    const [file = '', sel] = inc.split('#');
    objects.push(...loadDocs(join(dirname(path), file), sel ? sel.split(',').map(Number) : undefined));
  }
  const own = parseYamlDocuments(rest.join('\n---\n'));
  if (own.errors.length > 0) throw new Error(own.errors.map((e) => formatDocumentError(e, path)).join('\n'));
  objects.push(...own.resources);
  const byKey = new Map<string, MeshResource>();
  for (const o of objects) {
    if (!o.metadata.namespace && o.kind !== 'Namespace' && o.kind !== 'Node') o.metadata.namespace = 'default';
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    byKey.delete(key);
    byKey.set(key, o);
  }
  return { header, objects: [...byKey.values()] };
}
