// Acceptance: config changes every 100 ms (routes, clusters, endpoints) under steady load lose no request;
// an invalid resource is NACKed with its name and field while the last good config keeps serving.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, cla, edsCluster, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

describe('config churn under load', () => {
  let h: MeshHarness;
  let e: Echo[];
  let port: number;

  beforeAll(async () => {
    h = await MeshHarness.start();
    e = await Promise.all(['u0', 'u1', 'u2', 'u3'].map((n) => startEcho(n)));
    e.forEach((x) => (x.delayMs = 5));
    await h.set({
      clusters: { c0: edsCluster('c0') },
      endpoints: { c0: cla('c0', [(e[0] as Echo).port, (e[1] as Echo).port]) },
      listeners: { http: httpListener('http', 0, { rds: 'r' }) },
      routes: { r: routeConfig('r', [{ match: { prefix: '/' }, route: { cluster: 'c0' } }]) },
    });
    port = h.port('http');
  });

  afterAll(async () => {
    await h.close();
    await Promise.all(e.map((x) => x.close()));
  });

  it('serves every request while routes, clusters and endpoints change every 100 ms', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const results = { ok: 0, failed: [] as string[] };
    let running = true;
    const worker = async (): Promise<void> => {
      while (running) {
        await new Promise<void>((resolve) => {
          const req = http.get({ host: '127.0.0.1', port, path: '/load', agent }, (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 200) results.ok++;
              else results.failed.push(String(res.statusCode));
              resolve();
            });
          });
          req.on('error', (err) => {
            results.failed.push(err.message);
            resolve();
          });
        });
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    const ports = e.map((x) => x.port);
    for (let i = 1; i <= 30; i++) {
      // Alternate between two clusters, each with a rotating pair of endpoints; the route follows.
      const name = `c${i % 2}`;
      const eps = [ports[i % 4] as number, ports[(i + 1) % 4] as number];
      h.pushOnly({
        clusters: { c0: edsCluster('c0'), c1: edsCluster('c1') },
        endpoints: { c0: cla('c0', eps), c1: cla('c1', eps.slice().reverse()) },
        routes: { r: routeConfig('r', [{ match: { prefix: '/' }, route: { cluster: name, timeout: `${5 + (i % 3)}s` } }]) },
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    running = false;
    await Promise.all(workers);
    agent.destroy();
    expect(results.failed).toEqual([]);
    expect(results.ok).toBeGreaterThan(200);
    expect(h.runtime.stats.value('cluster_manager.cds.update_success')).toBeGreaterThan(10);
  });

  it('NACKs an invalid resource with its name and field path and keeps the last good config', async () => {
    await h.set({ clusters: { c0: edsCluster('c0') }, endpoints: { c0: cla('c0', [(e[0] as Echo).port]) }, routes: { r: routeConfig('r', [{ match: { prefix: '/' }, route: { cluster: 'c0' } }]) } });
    const before = h.nacks.length;
    h.pushOnly({ routes: { r: routeConfig('r', [{ match: { safe_regex: { regex: '([' } }, route: { cluster: 'c0' } }]) } });
    const deadline = Date.now() + 5000;
    while (h.nacks.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const nack = h.nacks.at(-1);
    expect(nack?.message).toContain('RouteConfiguration "r": virtual_hosts[0].routes[0].match.safe_regex.regex: invalid regex');
    const r = await request(port, '/still-works');
    expect(r.status).toBe(200);
    expect(r.json().name).toBe('u0');
  });

  it('drains keep-alive connections of a changed listener with connection: close; unchanged listeners keep them', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<{ status: number; connection: string | undefined; body: string }> =>
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/k', agent }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
          })
          .on('error', reject);
      });
    expect((await get()).connection).toBe('keep-alive');
    // A route-only change keeps the listener object, so the connection stays open.
    await h.set({ routes: { r: routeConfig('r', [{ match: { prefix: '/' }, route: { cluster: 'c0', timeout: '9s' } }]) } });
    expect((await get()).connection).toBe('keep-alive');
    // A listener change (new stat prefix) drains the old connection; the next one sees the new listener.
    await h.set({ listeners: { http: { ...httpListener('http', 0, { rds: 'r' }, { statPrefix: 'v2' }) } } });
    const draining = await get();
    expect([draining.status, draining.connection]).toEqual([200, 'close']);
    const fresh = await get();
    expect(fresh.connection).toBe('keep-alive');
    expect(h.runtime.stats.value('http.v2.downstream_rq_total')).toBeGreaterThanOrEqual(1);
    agent.destroy();
  });
});
