// Sidecars that share an outbound group key (translate's outboundGroupKey: namespace, Sidecar, selector matches,
// domain, interception mode, locality) get identical outbound clusters, EDS, listeners and routes. This cache builds
// that part once per group and snapshot version and hands the same (interned) object to every member.
//
// Across versions: when the change that produced a version cannot alter clusters or EDS (only VirtualServices or
// Gateways changed), a group's clusters and endpoints are taken over from the previous version; when it cannot
// alter listeners either (no VirtualService with TCP/TLS routes on either side), its listeners too. A route change
// then regenerates routes only, and the unchanged objects keep their identity (no re-interning, no re-encoding).
import type { MeshSnapshot, Proxy } from '@mesh/model';
import { generateOutbound, type OutboundConfig } from '@mesh/translate';

/** Groups kept per version; past it the oldest group is dropped (a mesh with that many groups is generated per proxy anyway). */
const defaultMaxGroups = 512;

/** Outbound parts by group key for the current snapshot version, plus the previous version's for reuse. */
export class OutboundGroups {
  private version = -1;
  private current = new Map<string, OutboundConfig>();
  private previous = new Map<string, OutboundConfig>();
  private reusable: { clusters: boolean; listeners: boolean } = { clusters: false, listeners: false };
  private readonly maxGroups: number;
  private readonly prepare: (version: number, outbound: OutboundConfig) => OutboundConfig;
  /** Outbound parts built (not reused from the cache), for tests and diagnostics. */
  builds = 0;

  /** `prepare` post-processes a freshly built part once (istiod interns it). */
  constructor(prepare: (version: number, outbound: OutboundConfig) => OutboundConfig = (_v, o) => o, maxGroups = defaultMaxGroups) {
    this.prepare = prepare;
    this.maxGroups = maxGroups;
  }

  /**
   * Moves to a new snapshot version. `unchanged` says which parts nothing they are built from changed since the
   * previous version, so they may be carried over. Parts older than the previous version are dropped.
   */
  advance(version: number, unchanged: { clusters: boolean; listeners: boolean }): void {
    if (version === this.version) return;
    this.previous = this.current;
    this.current = new Map();
    this.reusable = unchanged;
    this.version = version;
  }

  /** The outbound part for `proxy` in group `key` at the current version; built on first use. */
  get(snapshot: MeshSnapshot, proxy: Proxy, key: string): OutboundConfig {
    let part = this.current.get(key);
    if (part !== undefined) return part;
    const earlier = this.previous.get(key);
    const reuse = earlier === undefined ? {} : { ...(this.reusable.clusters ? { clusters: earlier } : {}), ...(this.reusable.listeners ? { listeners: earlier } : {}) };
    part = this.prepare(this.version, generateOutbound(snapshot, proxy, reuse));
    this.builds++;
    if (this.current.size >= this.maxGroups) {
      const oldest = this.current.keys().next();
      if (oldest.done !== true) this.current.delete(oldest.value);
    }
    this.current.set(key, part);
    return part;
  }

  /** Groups cached for the current version. */
  get size(): number {
    return this.current.size;
  }
}
