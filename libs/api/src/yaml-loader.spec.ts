import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findKindByName, lookupKind } from './kinds.ts';
import { formatDocumentError, parseYamlDocuments } from './yaml-loader.ts';

describe('parseYamlDocuments', () => {
  it('loads the upstream Bookinfo manifests as typed resources', () => {
    const text = readFileSync('/work/shared/istio/bookinfo/platform/kube/bookinfo.yaml', 'utf8');
    const { resources, others, errors } = parseYamlDocuments(text);
    expect(errors).toEqual([]);
    expect(resources.filter((r) => r.kind === 'Service').map((r) => r.metadata.name)).toEqual(['details', 'ratings', 'reviews', 'productpage']);
    expect(others.some((o) => o.kind === 'Deployment')).toBe(true);
  });

  it('reports one error per bad document with its field path, keeping the good ones', () => {
    const text = [
      'apiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec: {}',
      'kind: Service\nmetadata: {name: x}',
      'apiVersion: v1\nkind: Service\nmetadata: {labels: {a: b}}',
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, labels: {a: 1}}',
      '- just\n- a list',
      'a: [unclosed',
    ].join('\n---\n');
    const { resources, errors } = parseYamlDocuments(text);
    expect(resources.map((r) => r.metadata.name)).toEqual(['ok']);
    expect(errors.map((e) => [e.index, e.path])).toEqual([
      [1, 'apiVersion'],
      [2, 'metadata.name'],
      [3, 'metadata.labels.a'],
      [4, ''],
      [5, ''],
    ]);
    expect(formatDocumentError(errors[0]!, 'f.yaml')).toBe('f.yaml: document 2 (line 6): apiVersion: must be a non-empty string');
  });

  it('expands List documents', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}';
    expect(parseYamlDocuments(text).resources.map((r) => r.metadata.name)).toEqual(['a', 'b']);
  });
});

describe('kind registry', () => {
  it('serves every networking version and short name', () => {
    expect(lookupKind('networking.istio.io/v1alpha3', 'VirtualService')?.plural).toBe('virtualservices');
    expect(lookupKind('networking.istio.io/v2', 'VirtualService')).toBeUndefined();
    expect(findKindByName('dr')?.kind).toBe('DestinationRule');
    expect(findKindByName('svc')?.group).toBe('');
    expect(lookupKind('v1', 'Namespace')?.namespaced).toBe(false);
  });
});
