// A provider holding fixed resources per type URL, for tests and simple control planes ("an ADS server in the test").
//
// Usage:
//   const provider = new StaticProvider();
//   const server = new AdsServer({ provider });
//   provider.set(TypeUrl.Cluster, { c1: cluster });             // a Map or a plain object by name
//   provider.update(TypeUrl.ClusterLoadAssignment, { c1: cla }); // merge, then:
//   server.push({ types: [TypeUrl.ClusterLoadAssignment] });
import type { AdsConnectionInfo, AdsProvider } from './ads-types.ts';
import type { EnvoyJson } from './snapshot.ts';

type Resources = ReadonlyMap<string, EnvoyJson> | Readonly<Record<string, EnvoyJson>>;

function toMap(resources: Resources): Map<string, EnvoyJson> {
  return resources instanceof Map ? new Map(resources) : new Map(Object.entries(resources));
}

/** The same resources for every connection; empty for types never set. */
export class StaticProvider implements AdsProvider {
  private readonly byType = new Map<string, Map<string, EnvoyJson>>();

  /** Replaces every resource of a type. */
  set(typeUrl: string, resources: Resources): this {
    this.byType.set(typeUrl, toMap(resources));
    return this;
  }

  /** Adds or replaces some resources of a type. */
  update(typeUrl: string, resources: Resources): this {
    const current = this.byType.get(typeUrl) ?? new Map<string, EnvoyJson>();
    for (const [name, resource] of toMap(resources)) current.set(name, resource);
    this.byType.set(typeUrl, current);
    return this;
  }

  /** Removes resources of a type by name. */
  remove(typeUrl: string, ...names: string[]): this {
    const current = this.byType.get(typeUrl);
    for (const name of names) current?.delete(name);
    return this;
  }

  /** The resources of a type (a copy). */
  get(typeUrl: string): Map<string, EnvoyJson> {
    return new Map(this.byType.get(typeUrl) ?? []);
  }

  generate(_conn: AdsConnectionInfo, typeUrl: string, names: readonly string[]): ReadonlyMap<string, EnvoyJson> {
    const all = this.byType.get(typeUrl) ?? new Map<string, EnvoyJson>();
    if (names.length === 0) return new Map(all);
    const picked = new Map<string, EnvoyJson>();
    for (const name of names) {
      const resource = all.get(name);
      if (resource !== undefined) picked.set(name, resource);
    }
    return picked;
  }
}
