// Integration: load balancer policies and cluster discovery types over ADS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, cla, edsCluster, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';
import type { EnvoyJson } from '@mesh/xds';

describe('load balancing and cluster types', () => {
  let h: MeshHarness;
  let e: Echo[];
  let port: number;

  beforeAll(async () => {
    h = await MeshHarness.start();
    e = await Promise.all(['e0', 'e1', 'e2', 'e3'].map((n) => startEcho(n)));
    const ports = e.map((x) => x.port);
    const hashRoute = (prefix: string, cluster: string, policy: EnvoyJson): EnvoyJson => ({ match: { prefix }, route: { cluster, hash_policy: [policy] } });
    await h.set({
      clusters: {
        rr: edsCluster('rr'),
        weighted: edsCluster('weighted'),
        lr: edsCluster('lr', { lb_policy: 'LEAST_REQUEST' }),
        random: edsCluster('random', { lb_policy: 'RANDOM' }),
        ring: edsCluster('ring', { lb_policy: 'RING_HASH' }),
        maglev: edsCluster('maglev', { lb_policy: 'MAGLEV' }),
        dns: { name: 'dns', type: 'STRICT_DNS', connect_timeout: '1s', load_assignment: { cluster_name: 'dns', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'localhost', port_value: ports[0] } } } }] }] } },
        odst: { name: 'odst', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '1s', original_dst_lb_config: { use_http_header: true } },
        prio: edsCluster('prio'),
      },
      endpoints: {
        rr: cla('rr', ports.slice(0, 3)),
        weighted: { cluster_name: 'weighted', endpoints: [{ lb_endpoints: [
          { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ports[0] } } }, load_balancing_weight: 3 },
          { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ports[1] } } }, load_balancing_weight: 1 },
        ] }] },
        lr: cla('lr', ports.slice(0, 2)),
        random: cla('random', ports.slice(0, 2)),
        ring: cla('ring', ports),
        maglev: cla('maglev', ports),
        prio: { cluster_name: 'prio', endpoints: [
          { priority: 0, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ports[2] } } }, health_status: 'UNHEALTHY' }] },
          { priority: 1, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ports[3] } } } }] },
        ] },
      },
      listeners: { http: httpListener('http', 0, { rds: 'r' }) },
      routes: {
        r: routeConfig('r', [
          { match: { prefix: '/rr' }, route: { cluster: 'rr' } },
          { match: { prefix: '/weighted' }, route: { cluster: 'weighted' } },
          { match: { prefix: '/lr' }, route: { cluster: 'lr' } },
          { match: { prefix: '/random' }, route: { cluster: 'random' } },
          hashRoute('/ring-header', 'ring', { header: { header_name: 'x-user' } }),
          hashRoute('/maglev-header', 'maglev', { header: { header_name: 'x-user' } }),
          hashRoute('/ring-cookie', 'ring', { cookie: { name: 'session', ttl: '60s', path: '/' } }),
          hashRoute('/maglev-ip', 'maglev', { connection_properties: { source_ip: true } }),
          { match: { prefix: '/dns' }, route: { cluster: 'dns' } },
          { match: { prefix: '/odst' }, route: { cluster: 'odst' } },
          { match: { prefix: '/prio' }, route: { cluster: 'prio' } },
        ]),
      },
    });
    port = h.port('http');
  });

  afterAll(async () => {
    await h.close();
    await Promise.all(e.map((x) => x.close()));
  });

  async function names(path: string, n: number, headers: Record<string, string> = {}): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await request(port, path, { headers })).json().name);
    return out;
  }

  function count(xs: string[]): Record<string, number> {
    const c: Record<string, number> = {};
    for (const x of xs) c[x] = (c[x] ?? 0) + 1;
    return c;
  }

  it('ROUND_ROBIN rotates evenly and honours endpoint weights', async () => {
    expect(Object.values(count(await names('/rr', 30)))).toEqual([10, 10, 10]);
    const w = count(await names('/weighted', 40));
    expect(w).toEqual({ e0: 30, e1: 10 });
  });

  it('LEAST_REQUEST and RANDOM use every host', async () => {
    expect(Object.keys(count(await names('/lr', 40))).sort()).toEqual(['e0', 'e1']);
    const r = count(await names('/random', 200));
    expect(r['e0']).toBeGreaterThan(60);
    expect(r['e1']).toBeGreaterThan(60);
  });

  it('RING_HASH and MAGLEV keep a header value on one host and spread different values', async () => {
    for (const path of ['/ring-header', '/maglev-header']) {
      const seen = new Set<string>();
      for (let u = 0; u < 12; u++) {
        const hosts = new Set(await names(path, 5, { 'x-user': `user-${u}` }));
        expect(hosts.size).toBe(1);
        seen.add([...hosts][0] as string);
      }
      expect(seen.size).toBeGreaterThan(1);
    }
  });

  it('cookie hash policy sets the cookie when absent and sticks to it', async () => {
    const first = await request(port, '/ring-cookie');
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/^session="[0-9a-f]+"; Max-Age=60; Path=\/; HttpOnly$/);
    const cookie = setCookie.split(';')[0] as string;
    const hosts = new Set(await names('/ring-cookie', 6, { cookie }));
    expect(hosts.size).toBe(1);
  });

  it('source-IP hashing is stable for one client', async () => {
    expect(new Set(await names('/maglev-ip', 8)).size).toBe(1);
  });

  it('STRICT_DNS resolves hostnames; ORIGINAL_DST follows x-envoy-original-dst-host; priorities skip unhealthy levels', async () => {
    expect((await request(port, '/dns')).json().name).toBe('e0');
    const target = e[2] as Echo;
    expect((await request(port, '/odst', { headers: { 'x-envoy-original-dst-host': `127.0.0.1:${target.port}` } })).json().name).toBe('e2');
    expect(new Set(await names('/prio', 5))).toEqual(new Set(['e3']));
  });

  it('EDS updates change the host set without dropping the cluster', async () => {
    await h.set({ endpoints: { ...Object.fromEntries([...h.runtime.current().snapshot.endpoints].map(([k, v]) => [k, v])), rr: cla('rr', [(e[3] as Echo).port]) } });
    expect(new Set(await names('/rr', 6))).toEqual(new Set(['e3']));
  });
});
