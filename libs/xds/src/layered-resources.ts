// A sidecar's clusters (and listeners) are thousands of resources it shares with its whole group plus a handful of
// its own. LayeredResources presents both as one read-only map without copying the shared part per proxy, and lets
// the ADS server reuse the shared part's encoding (see AdsConnection.generate) instead of looking up every resource.
import type { EnvoyJson } from './snapshot.ts';

/** A read-only map: every entry of `base`, then the entries of `extra` whose names `base` does not have. */
export class LayeredResources implements ReadonlyMap<string, EnvoyJson> {
  readonly base: ReadonlyMap<string, EnvoyJson>;
  /** The proxy's own resources (names already in `base` are left out: the first resource of a name wins). */
  readonly extra: ReadonlyMap<string, EnvoyJson>;

  constructor(base: ReadonlyMap<string, EnvoyJson>, extra: Iterable<readonly [string, EnvoyJson]>) {
    this.base = base;
    const own = new Map<string, EnvoyJson>();
    for (const [name, resource] of extra) if (!base.has(name) && !own.has(name)) own.set(name, resource);
    this.extra = own;
  }

  get size(): number {
    return this.base.size + this.extra.size;
  }

  get(name: string): EnvoyJson | undefined {
    return this.base.get(name) ?? this.extra.get(name);
  }

  has(name: string): boolean {
    return this.base.has(name) || this.extra.has(name);
  }

  forEach(callback: (value: EnvoyJson, key: string, map: ReadonlyMap<string, EnvoyJson>) => void, thisArg?: unknown): void {
    for (const [k, v] of this) callback.call(thisArg, v, k, this);
  }

  *entries(): MapIterator<[string, EnvoyJson]> {
    yield* this.base.entries();
    yield* this.extra.entries();
  }

  *keys(): MapIterator<string> {
    yield* this.base.keys();
    yield* this.extra.keys();
  }

  *values(): MapIterator<EnvoyJson> {
    yield* this.base.values();
    yield* this.extra.values();
  }

  [Symbol.iterator](): MapIterator<[string, EnvoyJson]> {
    return this.entries();
  }
}
