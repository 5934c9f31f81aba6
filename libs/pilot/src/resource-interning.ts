// Shares identical generated resources between proxies. translate builds fresh objects for every proxy, so 200
// sidecars that see the same 800 clusters held 200 copies of each (≈ 10 MB per connection at 200 services).
// Interning by content keeps one object per distinct resource per snapshot version; each connection then holds
// only maps of names to shared objects, and the encoder's per-object memo hits for every proxy after the first.
import type { GeneratedConfig } from '@mesh/translate';
import type { EnvoyJson } from '@mesh/xds';

/** Canonical resource objects by content, valid for one snapshot version. */
export class ResourceInterner {
  private version = -1;
  private readonly byContent = new Map<string, EnvoyJson>();
  /** Resource names are interned too: every connection keeps name-keyed maps (here and in the ADS sent state). */
  private readonly names = new Map<string, string>();

  /** Returns `config` with every resource replaced by the canonical object of equal content for `version`. */
  intern(version: number, config: GeneratedConfig): GeneratedConfig {
    if (version !== this.version) {
      // Objects of an older snapshot are released once the connections holding them regenerate.
      this.byContent.clear();
      this.names.clear();
      this.version = version;
    }
    return {
      clusters: this.internMap('c', config.clusters),
      listeners: this.internMap('l', config.listeners),
      routes: this.internMap('r', config.routes),
      endpoints: this.internMap('e', config.endpoints),
      secrets: config.secrets,
      errors: config.errors,
    };
  }

  /** Distinct resources held for the current version. */
  get size(): number {
    return this.byContent.size;
  }

  private internMap(kind: string, resources: Map<string, EnvoyJson>): Map<string, EnvoyJson> {
    const out = new Map<string, EnvoyJson>();
    for (const [name, resource] of resources) {
      const key = `${kind}${JSON.stringify(resource)}`;
      let canonical = this.byContent.get(key);
      if (canonical === undefined) {
        canonical = resource;
        this.byContent.set(key, canonical);
      }
      let canonicalName = this.names.get(name);
      if (canonicalName === undefined) {
        canonicalName = name;
        this.names.set(name, name);
      }
      out.set(canonicalName, canonical);
    }
    return out;
  }
}
