import { describe, expect, it } from 'vitest';
import { decode } from './codec.ts';
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
