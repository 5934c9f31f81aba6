// Routing decisions asserted through the simulator on programmatic scenarios (the goldens carry more).
import type { MeshResource } from '@mesh/api';
import { buildSnapshot, parseProxy } from '@mesh/model';
import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '@mesh/api';
import { generate } from './generate.ts';
import { simulate } from './simulate.ts';

function load(yaml: string): MeshResource[] {
  const { resources, errors } = parseYamlDocuments(yaml);
  expect(errors).toEqual([]);
  return resources;
}

const base = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {clusterIP: 10.96.0.13, ports: [{port: 9080, name: http}], selector: {app: reviews}}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec: {clusterIP: 10.96.0.12, ports: [{port: 9080, name: http}], selector: {app: ratings}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: default}
spec:
  host: ratings
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: default}
spec:
  hosts: [ratings]
  http:
  - match: [{sourceLabels: {app: reviews, version: v2}}]
    route: [{destination: {host: ratings, subset: v2}}]
  - route: [{destination: {host: ratings, subset: v1}}]
`;

const productpage = 'sidecar~10.0.0.1~productpage-1.default~default.svc.cluster.local';
const reviewsV2 = 'sidecar~10.0.0.2~reviews-v2-1.default~default.svc.cluster.local';

describe('simulate', () => {
  it('applies sourceLabels per proxy', () => {
    const snap = buildSnapshot(load(base));
    const fromPP = generate(snap, parseProxy(productpage, { LABELS: { app: 'productpage' } }));
    const fromRV2 = generate(snap, parseProxy(reviewsV2, { LABELS: { app: 'reviews', version: 'v2' } }));
    const req = { port: 9080, host: 'ratings:9080', path: '/ratings/0' };
    expect(simulate(fromPP, req).cluster).toBe('outbound|9080|v1|ratings.default.svc.cluster.local');
    expect(simulate(fromRV2, req).cluster).toBe('outbound|9080|v2|ratings.default.svc.cluster.local');
  });

  it('follows Sidecar egress scoping: hidden services fall to the catch-all', () => {
    const sidecar = `
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress: [{hosts: [./reviews.default.svc.cluster.local]}]
`;
    const cfg = generate(buildSnapshot(load(base + sidecar)), parseProxy(productpage));
    expect(simulate(cfg, { port: 9080, host: 'ratings' })).toMatchObject({ virtualHost: 'allow_any', cluster: 'PassthroughCluster' });
    expect(simulate(cfg, { port: 9080, host: 'reviews' }).cluster).toBe('outbound|9080||reviews.default.svc.cluster.local');
    expect([...cfg.clusters.keys()].some((c) => c.includes('ratings'))).toBe(false);
  });

  it('applies per-port Sidecar egress listeners', () => {
    const multiPort = `
---
apiVersion: v1
kind: Service
metadata: {name: cache, namespace: default}
spec: {clusterIP: 10.96.0.30, ports: [{port: 9080, name: http}, {port: 6379, name: redis}], selector: {app: cache}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
  - port: {number: 6379, protocol: REDIS, name: redis}
    hosts: [./cache.default.svc.cluster.local]
  - hosts: [./reviews.default.svc.cluster.local]
`;
    const cfg = generate(buildSnapshot(load(base + multiPort)), parseProxy(productpage));
    // 6379 is decided by its own egress listener; 9080 by the catch-all one, which does not list cache.
    expect(cfg.clusters.has('outbound|6379||cache.default.svc.cluster.local')).toBe(true);
    expect(cfg.clusters.has('outbound|9080||cache.default.svc.cluster.local')).toBe(false);
    expect(simulate(cfg, { port: 6379, address: '10.96.0.30', protocol: 'tcp' }).cluster).toBe('outbound|6379||cache.default.svc.cluster.local');
    expect(simulate(cfg, { port: 9080, host: 'cache' }).virtualHost).toBe('allow_any');
    expect(simulate(cfg, { port: 9080, host: 'reviews' }).cluster).toBe('outbound|9080||reviews.default.svc.cluster.local');
  });

  it('reports requests nothing matches', () => {
    const cfg = generate(buildSnapshot(load(base)), parseProxy('router~10.0.0.9~gw.istio-system~istio-system.svc.cluster.local'));
    expect(simulate(cfg, { port: 8080, direction: 'gateway', host: 'x' }).error).toBe('no listener for port 8080');
  });

  it('is deterministic and leaves the snapshot untouched', () => {
    const objects = load(base);
    const before = JSON.stringify(objects);
    const snap = buildSnapshot(objects);
    const proxy = parseProxy(productpage);
    const a = generate(snap, proxy);
    const b = generate(snap, proxy);
    for (const kind of ['clusters', 'listeners', 'routes', 'endpoints'] as const) {
      expect(JSON.stringify([...a[kind]])).toBe(JSON.stringify([...b[kind]]));
    }
    expect(JSON.stringify(objects)).toBe(before);
  });

  it('binds listeners directly when interception is NONE', () => {
    const cfg = generate(buildSnapshot(load(base)), parseProxy(productpage, { INTERCEPTION_MODE: 'NONE' }));
    expect(cfg.listeners.has('virtualOutbound')).toBe(false);
    expect(cfg.listeners.has('virtualInbound')).toBe(false);
    expect(cfg.listeners.get('0.0.0.0_9080')?.['bind_to_port']).toBeUndefined();
  });

  it('hides VirtualServices not exported to the proxy namespace', () => {
    const hidden = base.replace('hosts: [ratings]\n', 'hosts: [ratings]\n  exportTo: [other]\n');
    const cfg = generate(buildSnapshot(load(hidden)), parseProxy(productpage));
    expect(simulate(cfg, { port: 9080, host: 'ratings' }).cluster).toBe('outbound|9080||ratings.default.svc.cluster.local');
  });
});

describe('invalid config', () => {
  it('leaves out the bad piece, reports it and keeps generating', () => {
    const bad = `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {x-slow: {exact: '1'}}}]
    route: [{destination: {host: reviews}}]
    timeout: soon
  - route: [{destination: {host: reviews}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: {outlierDetection: {interval: often}}
`;
    const cfg = generate(buildSnapshot(load(base + bad)), parseProxy(productpage));
    expect(cfg.errors).toEqual([
      'DestinationRule default/reviews (outbound|9080||reviews.default.svc.cluster.local): invalid duration "often"',
      'VirtualService default/reviews http[0]: invalid duration "soon"',
    ]);
    expect(cfg.clusters.get('outbound|9080||reviews.default.svc.cluster.local')?.['outlier_detection']).toBeUndefined();
    expect(simulate(cfg, { port: 9080, host: 'reviews', headers: { 'x-slow': '1' } }).cluster).toBe('outbound|9080||reviews.default.svc.cluster.local');
  });
});
