// Integration: weighted split, fault delay/abort (per route), request mirroring, hash-policy stickiness.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, T, cla, edsCluster, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

const FAULT = `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`;

describe('traffic actions over ADS', () => {
  let h: MeshHarness;
  let v1: Echo;
  let v2: Echo;
  let mirror: Echo;
  let port: number;

  beforeAll(async () => {
    h = await MeshHarness.start({ delta: true });
    [v1, v2, mirror] = await Promise.all([startEcho('v1'), startEcho('v2'), startEcho('mirror')]);
    await h.set({
      clusters: { v1: edsCluster('v1'), v2: edsCluster('v2'), mirror: edsCluster('mirror') },
      endpoints: { v1: cla('v1', [v1.port]), v2: cla('v2', [v2.port]), mirror: cla('mirror', [mirror.port]) },
      listeners: { http: httpListener('http', 0, { rds: 'r' }, { httpFilters: [{ name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT } }] }) },
      routes: {
        r: routeConfig('r', [
          {
            match: { prefix: '/split' },
            route: {
              weighted_clusters: {
                clusters: [
                  { name: 'v1', weight: 75, request_headers_to_add: [{ header: { key: 'x-subset', value: 'v1' } }] },
                  { name: 'v2', weight: 25, request_headers_to_add: [{ header: { key: 'x-subset', value: 'v2' } }] },
                ],
              },
            },
          },
          { match: { prefix: '/delay' }, typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT, delay: { fixed_delay: '0.3s', percentage: { numerator: 100 } } } }, route: { cluster: 'v1' } },
          { match: { prefix: '/abort' }, typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT, abort: { http_status: 503, percentage: { numerator: 50 } } } }, route: { cluster: 'v1' } },
          { match: { prefix: '/mirror' }, route: { cluster: 'v1', request_mirror_policies: [{ cluster: 'mirror', runtime_fraction: { default_value: { numerator: 100 } } }] } },
          { match: { prefix: '/' }, route: { cluster: 'v1' } },
        ]),
      },
    });
    port = h.port('http');
  });

  afterAll(async () => {
    await h.close();
    await Promise.all([v1.close(), v2.close(), mirror.close()]);
  });

  it('splits traffic by weight and applies per-cluster headers', async () => {
    const counts = { v1: 0, v2: 0 };
    for (let i = 0; i < 400; i++) {
      const r = (await request(port, '/split')).json();
      counts[r.name as 'v1' | 'v2']++;
      expect(r.headers['x-subset']).toBe(r.name);
    }
    // 75/25 with 400 samples: 3 standard deviations is about ±26.
    expect(counts.v1).toBeGreaterThan(300 - 40);
    expect(counts.v1).toBeLessThan(300 + 40);
    expect(counts.v1 + counts.v2).toBe(400);
  });

  it('delays requests per route', async () => {
    const t0 = Date.now();
    expect((await request(port, '/delay')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const t1 = Date.now();
    await request(port, '/plain');
    expect(Date.now() - t1).toBeLessThan(250);
  });

  it('aborts the configured share of requests with the configured status', async () => {
    const before = v1.hits;
    let aborted = 0;
    for (let i = 0; i < 200; i++) {
      const r = await request(port, '/abort');
      if (r.status === 503) {
        aborted++;
        expect(r.body).toBe('fault filter abort');
      } else expect(r.status).toBe(200);
    }
    expect(aborted).toBeGreaterThan(60);
    expect(aborted).toBeLessThan(140);
    expect(v1.hits - before).toBe(200 - aborted);
    expect(h.runtime.stats.value('http.http.fault.aborts_injected')).toBe(aborted);
  });

  it('mirrors requests with the body to the shadow cluster and -shadow host', async () => {
    const r = await request(port, '/mirror/x', { method: 'POST', body: 'payload', host: 'svc.local' });
    expect(r.json().name).toBe('v1');
    await new Promise((res) => setTimeout(res, 200));
    const copy = mirror.requests.find((m) => m.path === '/mirror/x');
    expect(copy?.body).toBe('payload');
    expect(copy?.headers.host).toBe('svc.local-shadow');
    expect(copy?.method).toBe('POST');
  });
});
