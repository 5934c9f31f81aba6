// Integration: retries, per-try and route timeouts, circuit breakers, outlier detection — over ADS.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, cla, edsCluster, freePort, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

describe('resilience over ADS', () => {
  let h: MeshHarness;
  let flaky: Echo;
  let slow: Echo;
  let good: Echo;
  let bad: Echo;
  let deadPort: number;
  let port: number;

  beforeAll(async () => {
    h = await MeshHarness.start();
    [flaky, slow, good, bad] = await Promise.all([startEcho('flaky'), startEcho('slow'), startEcho('good'), startEcho('bad')]);
    deadPort = await freePort();
    bad.status = 503;
    await h.set({
      clusters: {
        flaky: edsCluster('flaky'),
        slow: edsCluster('slow'),
        dead: edsCluster('dead', { connect_timeout: '0.2s' }),
        limited: edsCluster('limited', { circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1, max_requests: 100, max_retries: 1 }] } }),
        pool: edsCluster('pool', {
          outlier_detection: { consecutive_5xx: 3, interval: '1s', base_ejection_time: '30s', max_ejection_percent: 100 },
          common_lb_config: { healthy_panic_threshold: { value: 0 } },
        }),
      },
      endpoints: {
        flaky: cla('flaky', [flaky.port]),
        slow: cla('slow', [slow.port]),
        dead: cla('dead', [deadPort]),
        limited: cla('limited', [slow.port]),
        pool: cla('pool', [good.port, bad.port]),
      },
      listeners: { http: httpListener('http', 0, { rds: 'r' }) },
      routes: {
        r: routeConfig('r', [
          { match: { prefix: '/retry' }, route: { cluster: 'flaky', retry_policy: { retry_on: '5xx', num_retries: 3, retry_back_off: { base_interval: '0.01s' } } } },
          { match: { prefix: '/gw' }, route: { cluster: 'flaky', retry_policy: { retry_on: 'gateway-error', num_retries: 2, retry_back_off: { base_interval: '0.01s' } } } },
          { match: { prefix: '/noretry' }, route: { cluster: 'flaky' } },
          { match: { prefix: '/pertry' }, route: { cluster: 'slow', timeout: '5s', retry_policy: { retry_on: '5xx', num_retries: 2, per_try_timeout: '0.1s', retry_back_off: { base_interval: '0.01s' } } } },
          { match: { prefix: '/timeout' }, route: { cluster: 'slow', timeout: '0.15s' } },
          { match: { prefix: '/grpc-timeout' }, route: { cluster: 'slow', timeout: '0s', max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' } } },
          { match: { prefix: '/connect' }, route: { cluster: 'dead', retry_policy: { retry_on: 'connect-failure', num_retries: 2, retry_back_off: { base_interval: '0.01s' } } } },
          { match: { prefix: '/limited' }, route: { cluster: 'limited', timeout: '5s' } },
          { match: { prefix: '/pool' }, route: { cluster: 'pool' } },
        ], { include_request_attempt_count: true }),
      },
    });
    port = h.port('http');
  });

  afterAll(async () => {
    await h.close();
    await Promise.all([flaky, slow, good, bad].map((e) => e.close()));
  });

  it('retries 5xx up to num_retries and returns the first success', async () => {
    flaky.hits = 0;
    flaky.status = (n) => (n <= 2 ? 503 : 200);
    const r = await request(port, '/retry');
    expect(r.status).toBe(200);
    expect(flaky.hits).toBe(3);
    expect(flaky.requests.at(-1)?.headers['x-envoy-attempt-count']).toBe('3');
    expect(flaky.requests.at(-3)?.headers['x-envoy-attempt-count']).toBe('1');
    flaky.hits = 0;
    flaky.status = 500;
    expect((await request(port, '/retry')).status).toBe(500);
    expect(flaky.hits).toBe(4);
    expect(h.runtime.stats.value('cluster.flaky.upstream_rq_retry')).toBeGreaterThanOrEqual(5);
  });

  it('gateway-error retries 502-504 but not 500, and no policy means one attempt', async () => {
    flaky.hits = 0;
    flaky.status = 500;
    expect((await request(port, '/gw')).status).toBe(500);
    expect(flaky.hits).toBe(1);
    flaky.hits = 0;
    flaky.status = 502;
    expect((await request(port, '/gw')).status).toBe(502);
    expect(flaky.hits).toBe(3);
    flaky.hits = 0;
    expect((await request(port, '/noretry')).status).toBe(502);
    expect(flaky.hits).toBe(1);
  });

  it('retries POST bodies intact', async () => {
    flaky.hits = 0;
    flaky.requests.length = 0;
    flaky.status = (n) => (n === 1 ? 503 : 200);
    const r = await request(port, '/retry', { method: 'POST', body: 'x'.repeat(10_000) });
    expect(r.status).toBe(200);
    expect(flaky.requests.map((q) => q.body.length)).toEqual([10_000, 10_000]);
  });

  it('per_try_timeout aborts slow attempts and retries them; the route timeout answers 504', async () => {
    slow.hits = 0;
    slow.delayMs = 400;
    const t0 = Date.now();
    const r = await request(port, '/pertry');
    expect(r.status).toBe(504);
    expect(slow.hits).toBe(3);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(h.runtime.stats.value('cluster.slow.upstream_rq_per_try_timeout')).toBe(3);
    const t1 = Date.now();
    const to = await request(port, '/timeout');
    expect([to.status, to.body]).toEqual([504, 'upstream request timeout']);
    expect(Date.now() - t1).toBeLessThan(390);
    const t2 = Date.now();
    const g = await request(port, '/grpc-timeout', { headers: { 'grpc-timeout': '150m' } });
    expect(g.status).toBe(504);
    expect(Date.now() - t2).toBeLessThan(390);
    slow.delayMs = 0;
  });

  it('retries connect failures and reports 503 when the host is down', async () => {
    const r = await request(port, '/connect');
    expect(r.status).toBe(503);
    expect(r.body).toContain('reset reason: connection failure');
    expect(h.runtime.stats.value('cluster.dead.upstream_cx_connect_fail')).toBe(3);
  });

  it('circuit breaker: beyond max_connections + max_pending_requests requests get 503 overflow', async () => {
    slow.delayMs = 300;
    const results = await Promise.all(Array.from({ length: 5 }, () => request(port, '/limited')));
    slow.delayMs = 0;
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503, 503]);
    const overflow = results.find((r) => r.status === 503);
    expect(overflow?.headers['x-envoy-overloaded']).toBe('true');
    expect(h.runtime.stats.value('cluster.limited.upstream_rq_pending_overflow')).toBe(3);
  });

  it('outlier detection ejects the host returning consecutive 5xx', async () => {
    good.hits = 0;
    bad.hits = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await request(port, '/pool')).status);
    expect(bad.hits).toBe(3);
    expect(good.hits).toBe(27);
    expect(statuses.slice(-20).every((s) => s === 200)).toBe(true);
    expect(h.runtime.stats.value('cluster.pool.outlier_detection.ejections_enforced_total')).toBe(1);
    expect(h.runtime.stats.value('cluster.pool.outlier_detection.ejections_active')).toBe(1);
    const hosts = h.runtime.cluster('pool')?.allHosts() ?? [];
    expect(hosts.filter((x) => x.ejected).map((x) => x.spec.port)).toEqual([bad.port]);
  });

  it('keeps serving after upstream resets mid-connection', async () => {
    const resetter = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => resetter.listen(0, '127.0.0.1', r));
    const rp = (resetter.address() as net.AddressInfo).port;
    await h.set({ endpoints: { flaky: cla('flaky', [rp]), slow: cla('slow', [slow.port]), dead: cla('dead', [deadPort]), limited: cla('limited', [slow.port]), pool: cla('pool', [good.port, bad.port]) } });
    const r = await request(port, '/noretry');
    expect(r.status).toBe(503);
    expect(r.body).toContain('upstream connect error or disconnect/reset before headers');
    await new Promise((res) => resetter.close(res));
  });

  it('resends once on a fresh connection when a reused keep-alive connection was closed by the upstream', async () => {
    // Answers the first request of each connection, then resets the connection on the next one (the idle-close race).
    const open = new Set<net.Socket>();
    const racy = net.createServer((socket) => {
      open.add(socket);
      let n = 0;
      socket.on('data', () => {
        n++;
        if (n === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
        else socket.destroy();
      });
    });
    await new Promise<void>((r) => racy.listen(0, '127.0.0.1', r));
    const rp = (racy.address() as net.AddressInfo).port;
    await h.set({ clusters: { ...Object.fromEntries(h.runtime.current().snapshot.clusters), racy: edsCluster('racy') }, endpoints: { ...Object.fromEntries(h.runtime.current().snapshot.endpoints), racy: cla('racy', [rp]) } });
    await h.set({ routes: { r: routeConfig('r', [{ match: { prefix: '/racy' }, route: { cluster: 'racy' } }]) } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(port, '/racy')).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    for (const s of open) s.destroy();
    await new Promise((r) => racy.close(r));
  });
});
