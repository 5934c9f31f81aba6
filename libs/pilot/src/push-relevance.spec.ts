import { describe, expect, it } from 'vitest';
import type { Change, KubeObject } from '@mesh/kube';
import { affectsXds } from './push-relevance.ts';

const change = (kind: string, name: string, namespace = 'default'): Change => {
  const object = { apiVersion: kind === 'VirtualService' ? 'networking.istio.io/v1' : 'v1', kind, metadata: { name, namespace } } as KubeObject;
  return { type: 'update', key: `${kind}/${namespace}/${name}`, object } as Change;
};

describe('affectsXds', () => {
  it('ignores ConfigMaps other than the mesh config (istio-ca-root-cert, injector templates, app data)', () => {
    expect(affectsXds(change('ConfigMap', 'istio-ca-root-cert', 'bookinfo'))).toBe(false);
    expect(affectsXds(change('ConfigMap', 'istio-sidecar-injector', 'istio-system'))).toBe(false);
    expect(affectsXds(change('ConfigMap', 'app-settings'))).toBe(false);
  });

  it('pushes for the mesh config ConfigMap (default or revision name) and for every other kind', () => {
    expect(affectsXds(change('ConfigMap', 'istio', 'istio-system'))).toBe(true);
    expect(affectsXds(change('ConfigMap', 'istio-canary', 'istio-system'), 'istio-canary')).toBe(true);
    expect(affectsXds(change('ConfigMap', 'istio', 'istio-system'), 'istio-canary')).toBe(false);
    for (const kind of ['VirtualService', 'Service', 'Pod', 'EndpointSlice', 'Secret', 'Namespace']) expect(affectsXds(change(kind, 'x')), kind).toBe(true);
  });
});
