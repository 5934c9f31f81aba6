// --concurrency N: worker threads share the listener ports (SO_REUSEPORT); stats are summed for the admin API.
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, repoRoot, spawnApp, waitFor } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('mesh-proxy --concurrency 2', () => {
  let upstream: http.Server;
  let proxy: ChildProcess;
  let dir: string;
  let adminPort: number;
  let listenerPort: number;

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    [adminPort, listenerPort] = [await freePort(), await freePort()];
    const doc = readFileSync(join(repoRoot, 'apps/proxy/testdata/envoy-static.yaml'), 'utf8')
      .replace('port_value: 8001', `port_value: ${adminPort}`)
      .replace('port_value: 8002', `port_value: ${listenerPort}`)
      .replace(/port_value: 80$/m, `port_value: ${(upstream.address() as { port: number }).port}`);
    dir = mkdtempSync(join(tmpdir(), 'mesh-proxy-conc-'));
    writeFileSync(join(dir, 'envoy.yaml'), doc);
    proxy = spawnApp('mesh-proxy', ['-c', join(dir, 'envoy.yaml'), '--concurrency', '2', '-l', 'warning']);
    await waitFor(async () => (await get(adminPort, '/ready')).status === 200, 20_000, 100);
  });

  afterAll(async () => {
    proxy.kill('SIGTERM');
    await new Promise((r) => (proxy.exitCode === null ? proxy.once('exit', r) : r(null)));
    await new Promise((r) => upstream.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts connections on both threads and sums their stats', async () => {
    // The worker binds a moment after the main thread; wait until it reports.
    await waitFor(async () => /server\.concurrency: 2/.test((await get(adminPort, '/stats')).body), 10_000, 100);
    let statuses: number[] = [];
    const workerCx = (stats: string, n: number): number => Number(new RegExp(`worker_${n}\\.downstream_cx_total: (\\d+)`).exec(stats)?.[1] ?? 0);
    await waitFor(async () => {
      statuses = statuses.concat(await Promise.all(Array.from({ length: 20 }, () => get(listenerPort, '/').then((r) => r.status))));
      await new Promise((r) => setTimeout(r, 1200));
      const stats = (await get(adminPort, '/stats')).body;
      return workerCx(stats, 0) > 0 && workerCx(stats, 1) > 0;
    }, 20_000, 10);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const stats = (await get(adminPort, '/stats')).body;
    const total = Number(/^cluster\.some_service\.upstream_rq_total: (\d+)$/m.exec(stats)?.[1]);
    expect(total).toBe(statuses.length);
  });
});
