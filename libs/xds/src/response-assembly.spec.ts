import { describe, expect, it } from 'vitest';
import { decodeDiscoveryResponse, encodeDiscoveryResponse } from './discovery-wire.ts';
import { assembleResponse, planResponse, resourceEntry } from './response-assembly.ts';
import { EncodingCache } from './resource-encoding.ts';
import { TypeUrl } from './type-urls.ts';

function cluster(name: string, padding = 0): Record<string, unknown> {
  return { name, type: 'EDS', connect_timeout: '5s', eds_cluster_config: { eds_config: { ads: {} }, service_name: name + 'x'.repeat(padding) } };
}

describe('assembled SotW responses', () => {
  // Sizes around varint boundaries (127/128 and 16383/16384 bytes) for the entry and Any lengths.
  for (const padding of [0, 60, 100, 16_300, 16_400, 300_000]) {
    it(`are byte-identical to encodeDiscoveryResponse (resource padding ${padding})`, () => {
      const cache = new EncodingCache();
      const encoded = [cluster('a', padding), cluster('b'), cluster('c', padding / 2)].map((c) => cache.encode(TypeUrl.Cluster, c));
      const envelope = { version_info: '2026-11-22T05:00:00.000Z/7', type_url: TypeUrl.Cluster, nonce: 'n-1', control_plane: { identifier: '{"Component":"istiod"}' } };
      const plan = planResponse(envelope, encoded.map((e) => e.entry));
      const assembled = assembleResponse(plan);
      const reference = encodeDiscoveryResponse({ ...envelope, resources: encoded.map((e) => ({ type_url: TypeUrl.Cluster, value: e.bytes })) });
      expect(assembled.length).toBe(plan.size);
      expect(Buffer.from(assembled).equals(Buffer.from(reference))).toBe(true);
      const decoded = decodeDiscoveryResponse(assembled);
      expect(decoded.resources.map((r) => Buffer.from(r.value).equals(Buffer.from(encoded[decoded.resources.indexOf(r)]?.bytes ?? [])))).toEqual([true, true, true]);
    });
  }

  it('handles an empty response without control plane', () => {
    const envelope = { version_info: 'v1', type_url: TypeUrl.Listener, nonce: 'n' };
    const assembled = assembleResponse(planResponse(envelope, []));
    expect(Buffer.from(assembled).equals(Buffer.from(encodeDiscoveryResponse({ ...envelope, resources: [] })))).toBe(true);
  });

  it('keeps the message bytes as a view of the entry (no second copy)', () => {
    const value = new Uint8Array([1, 2, 3]);
    const { entry, valueOffset } = resourceEntry(TypeUrl.Cluster, value);
    expect([...entry.subarray(valueOffset)]).toEqual([1, 2, 3]);
    expect(entry.length).toBe(valueOffset + 3);
  });
});
