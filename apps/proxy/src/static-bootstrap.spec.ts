// Acceptance: Envoy's documented static config runs unchanged (only ports changed) and proxies requests.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, spawnApp, waitFor } from '@mesh/testing';

async function get(url: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

describe('mesh-proxy -c <Envoy static config>', () => {
  let upstream: http.Server;
  let proxy: ChildProcess | undefined;
  let dir: string;
  let adminPort: number;
  let listenerPort: number;
  let stderr = '';

  beforeAll(async () => {
    upstream = http.createServer((req, res) => res.end(`upstream saw ${req.method} ${req.url} host=${req.headers.host} xfp=${req.headers['x-forwarded-proto']}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upstreamPort = (upstream.address() as { port: number }).port;
    adminPort = await freePort();
    listenerPort = await freePort();
    const doc = readFileSync(join(repoRoot, 'apps/proxy/testdata/envoy-static.yaml'), 'utf8')
      .replace('port_value: 8001', `port_value: ${adminPort}`)
      .replace('port_value: 8002', `port_value: ${listenerPort}`)
      .replace(/port_value: 80$/m, `port_value: ${upstreamPort}`);
    dir = mkdtempSync(join(tmpdir(), 'mesh-proxy-'));
    writeFileSync(join(dir, 'envoy.yaml'), doc);
    proxy = spawnApp('mesh-proxy', ['-c', join(dir, 'envoy.yaml'), '--log-level', 'warning', '--service-node', 'node-1', '--service-cluster', 'cluster-1']);
    proxy.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    await waitFor(async () => (await get(`http://127.0.0.1:${adminPort}/ready`)).status === 200, 20_000, 100);
  });

  afterAll(async () => {
    if (proxy && proxy.exitCode === null) {
      proxy.kill('SIGTERM');
      await new Promise((r) => proxy?.once('exit', r));
    }
    await new Promise((r) => upstream.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('proxies a request through listener_0 to some_service', async () => {
    const r = await get(`http://127.0.0.1:${listenerPort}/some/path?q=1`);
    expect(stderr).toBe('');
    expect(r.status).toBe(200);
    expect(r.body).toBe(`upstream saw GET /some/path?q=1 host=127.0.0.1:${listenerPort} xfp=http`);
    expect(r.headers['server']).toBe('envoy');
    expect(Number(r.headers['x-envoy-upstream-service-time'])).toBeGreaterThanOrEqual(0);
  });

  it('counts the request in Envoy-named stats and reports readiness as pilot-agent expects', async () => {
    await get(`http://127.0.0.1:${listenerPort}/again`);
    const stats = (await get(`http://127.0.0.1:${adminPort}/stats`)).body;
    const value = (name: string): number => Number(new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(stats)?.[1] ?? NaN);
    expect(value('cluster.some_service.upstream_rq_total')).toBeGreaterThanOrEqual(2);
    expect(value('cluster.some_service.upstream_rq_2xx')).toBe(value('cluster.some_service.upstream_rq_total'));
    expect(value('http.ingress_http.downstream_rq_total')).toBeGreaterThanOrEqual(2);
    expect(value('cluster_manager.cds.update_success')).toBeGreaterThan(0);
    expect(value('listener_manager.lds.update_success')).toBeGreaterThan(0);
    expect(value('server.state')).toBe(0);
    const prom = (await get(`http://127.0.0.1:${adminPort}/stats/prometheus`)).body;
    expect(prom).toMatch(/^envoy_cluster_upstream_rq_total\{envoy_cluster_name="some_service"\} \d+$/m);
  });

  it('reports the node from --service-node / --service-cluster in /server_info', async () => {
    const info = JSON.parse((await get(`http://127.0.0.1:${adminPort}/server_info`)).body) as { state: string; node: { id: string; cluster: string } };
    expect(info).toMatchObject({ state: 'LIVE', node: { id: 'node-1', cluster: 'cluster-1' } });
  });

  it('dumps the static config in Envoy ConfigDump shape', async () => {
    const dump = JSON.parse((await get(`http://127.0.0.1:${adminPort}/config_dump?mask=static_clusters,static_listeners`)).body) as { configs: { '@type': string; static_clusters?: { cluster: { name: string } }[]; static_listeners?: { listener: { name: string } }[] }[] };
    const types = dump.configs.map((c) => c['@type']);
    expect(types).toEqual(['type.googleapis.com/envoy.admin.v3.ClustersConfigDump', 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump']);
    expect(dump.configs[0]?.static_clusters?.[0]?.cluster.name).toBe('some_service');
    expect(dump.configs[1]?.static_listeners?.[0]?.listener.name).toBe('listener_0');
  });
});

describe('mesh-proxy with an invalid bootstrap', () => {
  it('exits non-zero naming the resource and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-proxy-bad-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'static_resources:\n  clusters:\n  - name: c\n    type: STATIC\n    lb_policy: BOGUS\n');
      const p = spawnApp('mesh-proxy', ['-c', join(dir, 'bad.yaml')]);
      let err = '';
      p.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      const code = await new Promise<number | null>((r) => p.once('exit', r));
      expect(code).toBe(1);
      expect(err).toContain('Cluster "c": lb_policy: unsupported value "BOGUS"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
