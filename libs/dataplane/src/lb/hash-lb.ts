// RING_HASH (ketama-style ring) and MAGLEV (lookup table) consistent hashing.
import { fnv1a } from './hash.ts';
import type { LoadBalancer, UpstreamHost } from './upstream-host.ts';

/** Consistent hashing on a ring with weight-proportional virtual nodes. */
export class RingHashLb implements LoadBalancer {
  private readonly hashes: Uint32Array;
  private readonly owners: UpstreamHost[];
  constructor(hosts: readonly UpstreamHost[], minRingSize: number) {
    const total = hosts.reduce((s, h) => s + h.spec.weight, 0);
    const entries: { hash: number; host: UpstreamHost }[] = [];
    if (total > 0) {
      const perWeight = Math.ceil(minRingSize / total);
      for (const h of hosts) {
        const replicas = perWeight * h.spec.weight;
        for (let i = 0; i < replicas; i++) entries.push({ hash: fnv1a(`${h.key}_${i}`), host: h });
      }
    }
    entries.sort((a, b) => a.hash - b.hash);
    this.hashes = Uint32Array.from(entries.map((e) => e.hash));
    this.owners = entries.map((e) => e.host);
  }
  pick(hash: number | undefined): UpstreamHost | undefined {
    const n = this.hashes.length;
    if (n === 0) return undefined;
    const h = hash ?? Math.floor(Math.random() * 0x100000000);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.hashes[mid] ?? 0) < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }
}

/** Maglev: a prime-sized table filled by each host's permutation, weights honoured by fill turns. */
export class MaglevLb implements LoadBalancer {
  private readonly table: UpstreamHost[];
  constructor(hosts: readonly UpstreamHost[], tableSize: number) {
    const m = tableSize;
    this.table = [];
    if (hosts.length === 0) return;
    const offsets = hosts.map((h) => fnv1a(h.key, 0x1234567) % m);
    const skips = hosts.map((h) => (fnv1a(h.key, 0x7654321) % (m - 1)) + 1);
    const nexts = hosts.map(() => 0);
    const maxWeight = Math.max(...hosts.map((h) => h.spec.weight));
    const credit = hosts.map(() => 0);
    const slots: (UpstreamHost | undefined)[] = new Array<UpstreamHost | undefined>(m);
    let filled = 0;
    while (filled < m) {
      for (let i = 0; i < hosts.length && filled < m; i++) {
        credit[i] = (credit[i] ?? 0) + (hosts[i]?.spec.weight ?? 1);
        if ((credit[i] ?? 0) < maxWeight) continue;
        credit[i] = (credit[i] ?? 0) - maxWeight;
        let c = ((offsets[i] ?? 0) + (nexts[i] ?? 0) * (skips[i] ?? 1)) % m;
        while (slots[c] !== undefined) {
          nexts[i] = (nexts[i] ?? 0) + 1;
          c = ((offsets[i] ?? 0) + (nexts[i] ?? 0) * (skips[i] ?? 1)) % m;
        }
        slots[c] = hosts[i];
        nexts[i] = (nexts[i] ?? 0) + 1;
        filled++;
      }
    }
    this.table = slots as UpstreamHost[];
  }
  pick(hash: number | undefined): UpstreamHost | undefined {
    if (this.table.length === 0) return undefined;
    const h = hash ?? Math.floor(Math.random() * 0x100000000);
    return this.table[h % this.table.length];
  }
}
