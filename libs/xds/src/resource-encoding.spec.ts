import { describe, expect, it } from 'vitest';
import { decode, encode } from './codec.ts';
import { EncodingCache } from './resource-encoding.ts';
import { TypeUrl } from './type-urls.ts';

// Built fresh per call, as translate does for every proxy.
function cluster(name: string, timeout = '5s'): Record<string, unknown> {
  return { name, type: 'EDS', connect_timeout: timeout, eds_cluster_config: { eds_config: { ads: {} }, service_name: name } };
}

describe('EncodingCache', () => {
  it('encodes identical resources of different proxies once and returns the same bytes', () => {
    const cache = new EncodingCache();
    const forProxyA = cache.encode(TypeUrl.Cluster, cluster('outbound|80||a.default.svc.cluster.local'));
    const forProxyB = cache.encode(TypeUrl.Cluster, cluster('outbound|80||a.default.svc.cluster.local'));
    expect(cache.encodings).toBe(1);
    expect(forProxyB.bytes).toBe(forProxyA.bytes);
    expect(forProxyB.version).toBe(forProxyA.version);
    expect(decode(TypeUrl.Cluster, forProxyA.bytes)).toMatchObject({ name: 'outbound|80||a.default.svc.cluster.local', connect_timeout: '5s' });
  });

  it('re-encodes a changed resource and gives it a new version', () => {
    const cache = new EncodingCache();
    const before = cache.encode(TypeUrl.Cluster, cluster('c'));
    const after = cache.encode(TypeUrl.Cluster, cluster('c', '7s'));
    expect(cache.encodings).toBe(2);
    expect(after.version).not.toBe(before.version);
    expect(decode(TypeUrl.Cluster, after.bytes)).toMatchObject({ connect_timeout: '7s' });
  });

  it('keys by type as well as content', () => {
    const cache = new EncodingCache();
    cache.encode(TypeUrl.Cluster, { name: 'x' });
    cache.encode(TypeUrl.Listener, { name: 'x' });
    expect(cache.encodings).toBe(2);
  });

  it('keeps entries used by the previous generation and drops older ones', () => {
    const cache = new EncodingCache();
    cache.encode(TypeUrl.Cluster, cluster('kept'));
    cache.encode(TypeUrl.Cluster, cluster('dropped'));
    cache.rotate();
    cache.encode(TypeUrl.Cluster, cluster('kept')); // still used after a push: carried into the new generation
    expect(cache.encodings).toBe(2);
    cache.rotate();
    cache.encode(TypeUrl.Cluster, cluster('kept'));
    cache.encode(TypeUrl.Cluster, cluster('dropped'));
    expect(cache.encodings).toBe(3);
  });

  it('stays bounded by rotating early when a generation is full', () => {
    const cache = new EncodingCache(4);
    for (let i = 0; i < 20; i++) cache.encode(TypeUrl.Cluster, cluster(`c${i}`));
    expect(cache.size).toBeLessThanOrEqual(8);
    expect(cache.encodings).toBe(20);
  });

  it('does not cache a resource that fails to encode', () => {
    const cache = new EncodingCache();
    expect(() => cache.encode(TypeUrl.Cluster, { name: 'bad', connect_timeout: 'soon' })).toThrow(/connect_timeout/);
    expect(cache.size).toBe(0);
  });
});

describe('EncodingCache with large route configurations', () => {
  function routeConfig(count: number, timeoutOf: (i: number) => string): Record<string, unknown> {
    return {
      name: '80',
      virtual_hosts: Array.from({ length: count }, (_, i) => ({
        name: `svc-${i}:80`,
        domains: [`svc-${i}`, `svc-${i}.ns.svc.cluster.local`],
        routes: [{ match: { prefix: '/' }, route: { cluster: `outbound|80||svc-${i}.ns.svc.cluster.local`, timeout: timeoutOf(i) } }],
      })),
      validate_clusters: false,
    };
  }

  it('encodes host by host into bytes that decode to the same configuration as a whole-message encoding', () => {
    const cache = new EncodingCache();
    const config = routeConfig(40, () => '5s');
    const encoded = cache.encode(TypeUrl.RouteConfiguration, config);
    expect(decode(TypeUrl.RouteConfiguration, encoded.bytes)).toEqual(decode(TypeUrl.RouteConfiguration, encode(TypeUrl.RouteConfiguration, config)));
    expect(Buffer.from(encoded.entry.subarray(encoded.entry.length - encoded.bytes.length)).equals(Buffer.from(encoded.bytes))).toBe(true);
  });

  it('re-encodes only the virtual host that changed', () => {
    const cache = new EncodingCache();
    const before = cache.encode(TypeUrl.RouteConfiguration, routeConfig(40, () => '5s'));
    const count = cache.encodings;
    cache.rotate();
    const after = cache.encode(TypeUrl.RouteConfiguration, routeConfig(40, (i) => (i === 7 ? '9s' : '5s')));
    // The configuration itself and one host.
    expect(cache.encodings - count).toBe(2);
    expect(after.version).not.toBe(before.version);
    const hosts = decode(TypeUrl.RouteConfiguration, after.bytes)['virtual_hosts'] as Array<{ routes: Array<{ route: { timeout: string } }> }>;
    expect(hosts.map((h) => h.routes[0]?.route.timeout)).toEqual(Array.from({ length: 40 }, (_, i) => (i === 7 ? '9s' : '5s')));
  });

  it('reports a bad host with its path in the configuration', () => {
    const cache = new EncodingCache();
    expect(() => cache.encode(TypeUrl.RouteConfiguration, routeConfig(20, (i) => (i === 3 ? 'soon' : '5s')))).toThrow(/^virtual_hosts\[3\]\.routes\[0\]\.route\.timeout: /);
  });
});
