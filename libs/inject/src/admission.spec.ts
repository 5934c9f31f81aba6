// The AdmissionReview contract: malformed input gets a clear refusal, skipped pods no patch, injected
// pods a base64 JSON patch that applies to the submitted pod.
import { describe, expect, it } from 'vitest';
import { handleAdmissionReview, parseInjectEnvs } from './admission.ts';
import { defaultInjectConfig } from './defaults.ts';
import { applyPatch, type PatchOp } from './json-patch.ts';
import type { JsonObject } from './go-yaml.ts';

const pod = (meta: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', ...meta },
  spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 8080 }] }] },
});
const review = (object: unknown, apiVersion = 'admission.k8s.io/v1'): JsonObject =>
  ({ apiVersion, kind: 'AdmissionReview', request: { uid: 'u1', namespace: 'shop', object } }) as JsonObject;
const response = (r: JsonObject): JsonObject => r['response'] as JsonObject;

describe('handleAdmissionReview', () => {
  it('injects and returns an applicable JSON patch', () => {
    const res = handleAdmissionReview(review(pod()), defaultInjectConfig());
    expect(res['apiVersion']).toBe('admission.k8s.io/v1');
    const r = response(res);
    expect(r).toMatchObject({ uid: 'u1', allowed: true, patchType: 'JSONPatch' });
    const ops = JSON.parse(Buffer.from(String(r['patch']), 'base64').toString()) as PatchOp[];
    const annotationsOp = ops.find((o) => o.path === '/metadata/annotations');
    expect(annotationsOp?.op).toBe('add');
    expect(Object.keys(annotationsOp?.value as JsonObject)).toContain('sidecar.istio.io/status');
    const patched = applyPatch({ ...pod(), metadata: { name: 'web', namespace: 'shop' } }, ops) as JsonObject;
    const spec = patched['spec'] as JsonObject;
    expect((spec['initContainers'] as JsonObject[]).map((c) => c['name'])).toEqual(['istio-init', 'istio-proxy']);
    const proxy = (spec['initContainers'] as JsonObject[])[1] as JsonObject;
    const owner = (proxy['env'] as JsonObject[]).find((e) => e['name'] === 'ISTIO_META_OWNER');
    expect(owner?.['value']).toBe('kubernetes://apis/v1/namespaces/shop/pods/web');
  });

  it('answers v1beta1 reviews in kind', () => {
    expect(handleAdmissionReview(review(pod(), 'admission.k8s.io/v1beta1'), defaultInjectConfig())['apiVersion'])
      .toBe('admission.k8s.io/v1beta1');
  });

  it('allows without a patch when the pod opts out or the namespace is ignored', () => {
    const optOut = response(handleAdmissionReview(review(pod({ labels: { 'sidecar.istio.io/inject': 'false' } })), defaultInjectConfig()));
    expect(optOut).toEqual({ uid: 'u1', allowed: true });
    const sys = response(handleAdmissionReview(review(pod({ namespace: 'kube-system' })), defaultInjectConfig()));
    expect(sys).toEqual({ uid: 'u1', allowed: true });
  });

  it('refuses malformed reviews with a message instead of throwing', () => {
    for (const bad of [null, 'text', { kind: 'Pod' }, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }]) {
      const r = response(handleAdmissionReview(bad, defaultInjectConfig()));
      expect(r['allowed']).toBe(false);
      expect(String((r['status'] as JsonObject)['message'])).toMatch(/could not decode body/);
    }
    const noObject = response(handleAdmissionReview(review('nope'), defaultInjectConfig()));
    expect(noObject).toMatchObject({ uid: 'u1', allowed: false });
    const badSpec = response(handleAdmissionReview(review({ metadata: {}, spec: [] }), defaultInjectConfig()));
    expect(String((badSpec['status'] as JsonObject)['message'])).toContain('spec');
  });

  it('reports invalid annotations as an injection failure', () => {
    const bad = pod({ annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': 'abc' } });
    const r = response(handleAdmissionReview(review(bad), defaultInjectConfig()));
    expect(r['allowed']).toBe(false);
    expect(String((r['status'] as JsonObject)['message'])).toContain("annotation 'traffic.sidecar.istio.io/excludeInboundPorts'");
  });

  it('takes cluster and network from the webhook path', () => {
    expect(parseInjectEnvs('/inject/cluster/c1/net/n--slash--1')).toEqual({ ISTIO_META_CLUSTER_ID: 'c1', ISTIO_META_NETWORK: 'n/1' });
    expect(parseInjectEnvs('/inject/:ENV:cluster=c2:ENV:net=n2')).toEqual({ cluster: 'c2', net: 'n2' });
    const r = response(handleAdmissionReview(review(pod()), defaultInjectConfig(), { path: '/inject/cluster/east/net/n1' }));
    const ops = JSON.parse(Buffer.from(String(r['patch']), 'base64').toString()) as PatchOp[];
    const patched = applyPatch({ ...pod(), metadata: { name: 'web', namespace: 'shop' } }, ops) as JsonObject;
    expect(((patched['metadata'] as JsonObject)['labels'] as JsonObject)['topology.istio.io/network']).toBe('n1');
  });
});
