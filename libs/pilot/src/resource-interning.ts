// Shares identical generated resources between proxies. translate builds fresh objects for every proxy, so 200
// sidecars that see the same 800 clusters held 200 copies of each (≈ 10 MB per connection at 200 services).
// Interning by content keeps one object per distinct resource per snapshot version; each connection then holds
// only maps of names to shared objects, and the encoder's per-object memo hits for every proxy after the first.
// Maps that are already interned (a sidecar group's shared outbound maps) are passed through without a look.
import type { GeneratedConfig, OutboundConfig } from '@mesh/translate';
import { contentHash, markImmutable, rememberContentHash, type EnvoyJson } from '@mesh/xds';

type Resources = ReadonlyMap<string, EnvoyJson>;

/** Canonical resource objects by content, valid for one snapshot version. */
export class ResourceInterner {
  private version = -1;
  private readonly byContent = new Map<string, EnvoyJson>();
  /** Resource names are interned too: every connection keeps name-keyed maps (here and in the ADS sent state). */
  private readonly names = new Map<string, string>();
  /** Objects returned as canonical (any version): a map made of them needs no second look. */
  private readonly canonical = new WeakSet<EnvoyJson>();
  /** Maps returned by this interner: shared outbound maps are interned once per group, not once per proxy. */
  private readonly interned = new WeakSet<Resources>();

  /** Returns `config` with every resource replaced by the canonical object of equal content for `version`. */
  intern(version: number, config: GeneratedConfig): GeneratedConfig {
    this.useVersion(version);
    return {
      clusters: this.internMap('c', config.clusters),
      listeners: this.internMap('l', config.listeners),
      routes: this.internMap('r', config.routes),
      endpoints: this.internMap('e', config.endpoints),
      secrets: config.secrets,
      errors: config.errors,
    };
  }

  /** The same for a sidecar group's outbound part (interned once, then shared by the group's proxies). */
  internOutbound(version: number, outbound: OutboundConfig): OutboundConfig {
    this.useVersion(version);
    return {
      // Shared by every proxy of the group and never changed: the ADS server may share their encoding too.
      clusters: markImmutable(this.internMap('c', outbound.clusters)),
      endpoints: markImmutable(this.internMap('e', outbound.endpoints)),
      listeners: markImmutable(this.internMap('l', outbound.listeners)),
      // Route configurations differ between groups (short host names are relative to the namespace) and are large:
      // comparing their text would cost more than it shares. The encoder keys them by their virtual hosts instead.
      routes: markImmutable(outbound.routes),
      errors: outbound.errors,
      routeNames: outbound.routeNames,
    };
  }

  /** Distinct resources held for the current version. */
  get size(): number {
    return this.byContent.size;
  }

  private useVersion(version: number): void {
    if (version === this.version) return;
    // Objects of an older snapshot are released once the connections holding them regenerate.
    this.byContent.clear();
    this.names.clear();
    this.version = version;
  }

  private canonicalOf(kind: string, resource: EnvoyJson): EnvoyJson {
    if (this.canonical.has(resource)) return resource;
    const hash = contentHash(JSON.stringify(resource));
    const key = `${kind}${hash}`;
    let canonical = this.byContent.get(key);
    if (canonical === undefined) {
      canonical = resource;
      this.byContent.set(key, canonical);
      this.canonical.add(canonical);
      // The ADS encoder keys its cache by the same hash: it need not stringify the resource again.
      rememberContentHash(canonical, hash);
    }
    return canonical;
  }

  private internMap(kind: string, resources: Resources): Resources {
    if (this.interned.has(resources)) return resources;
    const out = new Map<string, EnvoyJson>();
    for (const [name, resource] of resources) {
      const canonical = this.canonicalOf(kind, resource);
      let canonicalName = this.names.get(name);
      if (canonicalName === undefined) {
        canonicalName = name;
        this.names.set(name, name);
      }
      out.set(canonicalName, canonical);
    }
    this.interned.add(out);
    return out;
  }
}
