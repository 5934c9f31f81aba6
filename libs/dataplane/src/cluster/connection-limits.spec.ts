// Integration: a cluster's connection limits with more than one host, as Istio's circuit-breaking task configures
// them (max_connections 1, max_pending_requests 1, max_requests_per_connection 1, two endpoints). Envoy lets every
// host the load balancer picks have at least one connection even when the cluster limit is reached, and closes a
// connection once it has served max_requests_per_connection requests.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { EnvoyJson } from '@mesh/xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, T, httpListener, request, routeConfig, staticCluster, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

const HPO = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function limitedCluster(name: string, ports: number[], maxRequestsPerConnection?: number): EnvoyJson {
  return staticCluster(name, ports, {
    lb_policy: 'ROUND_ROBIN',
    circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1, max_requests: 4294967295 }] },
    ...(maxRequestsPerConnection === undefined
      ? {}
      : { typed_extension_protocol_options: { [HPO]: { '@type': `${T}${HPO}`, common_http_protocol_options: { max_requests_per_connection: maxRequestsPerConnection }, explicit_http_config: { http_protocol_options: {} } } } }),
  });
}

/** Serial requests, each with its own time limit, so a stuck pool fails the test instead of hanging it. */
async function serial(port: number, path: string, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await Promise.race([request(port, path), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`request ${i} to ${path} got no answer in 3 s`)), 3000))]);
    names.push(r.status === 200 ? r.json().name : `status ${r.status}`);
  }
  return names;
}

function countByName(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

describe('cluster connection limits with two hosts', () => {
  let h: MeshHarness;
  let a: Echo;
  let b: Echo;

  beforeAll(async () => {
    [a, b] = await Promise.all([startEcho('a'), startEcho('b')]);
    h = await MeshHarness.start();
    await h.set({
      clusters: { keepalive: limitedCluster('keepalive', [a.port, b.port]), oneshot: limitedCluster('oneshot', [a.port, b.port], 1) },
      listeners: {
        l: httpListener('l', 0, { inline: routeConfig('r', [{ match: { prefix: '/keepalive' }, route: { cluster: 'keepalive' } }, { match: { prefix: '/oneshot' }, route: { cluster: 'oneshot' } }]) }),
      },
    });
  });

  afterAll(async () => {
    await h.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('max_connections 1: an idle keep-alive connection to one host does not starve the other host', async () => {
    expect(countByName(await serial(h.port('l'), '/keepalive', 6))).toEqual({ a: 3, b: 3 });
    // The first host's connection is kept and reused; the second host's, over the cluster limit, closes when idle.
    expect(h.runtime.stats.value('cluster.keepalive.upstream_cx_total')).toBe(4);
  });

  it('max_requests_per_connection 1: every request gets a new connection and none waits forever', async () => {
    expect(countByName(await serial(h.port('l'), '/oneshot', 6))).toEqual({ a: 3, b: 3 });
    expect(h.runtime.stats.value('cluster.oneshot.upstream_cx_total')).toBe(6);
  });
});

describe('max_requests_per_connection over HTTP/2', () => {
  let h: MeshHarness;
  let upstream: http2.Http2Server;
  let sessions = 0;

  const h2Cluster = (name: string, port: number, perConnection?: number): EnvoyJson =>
    staticCluster(name, [port], {
      typed_extension_protocol_options: {
        [HPO]: { '@type': `${T}${HPO}`, ...(perConnection ? { common_http_protocol_options: { max_requests_per_connection: perConnection } } : {}), explicit_http_config: { http2_protocol_options: {} } },
      },
    });

  beforeAll(async () => {
    upstream = http2.createServer((_req, res) => res.end('ok'));
    upstream.on('session', () => sessions++);
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    h = await MeshHarness.start();
    await h.set({
      clusters: { shared: h2Cluster('shared', port), two: h2Cluster('two', port, 2) },
      listeners: { l: httpListener('l', 0, { inline: routeConfig('r', [{ match: { prefix: '/shared' }, route: { cluster: 'shared' } }, { match: { prefix: '/two' }, route: { cluster: 'two' } }]) }) },
    });
  });

  afterAll(async () => {
    await h.close();
    upstream.close();
  });

  it('without a limit every request shares one session', async () => {
    sessions = 0;
    for (let i = 0; i < 4; i++) expect((await request(h.port('l'), '/shared')).status).toBe(200);
    expect(sessions).toBe(1);
  });

  it('a limit of 2 opens a new session for every second request', async () => {
    sessions = 0;
    for (let i = 0; i < 6; i++) expect((await request(h.port('l'), '/two')).status).toBe(200);
    expect(sessions).toBe(3);
    expect(h.runtime.stats.value('cluster.two.upstream_cx_total')).toBe(3);
  });
});
