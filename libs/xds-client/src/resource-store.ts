// The client's accepted resources per type, candidate updates checked before acceptance, and the snapshot view.
import { TypeUrl, type EnvoyJson, type XdsSnapshot } from '@mesh/xds';

/** A resource as accepted: its JSON and the version the server gave it. */
export interface StoredResource {
  readonly json: EnvoyJson;
  readonly version: string;
  /** The encoded resource, to tell a re-sent identical resource from a changed one. */
  readonly bytes: Uint8Array;
}

export type TypeResources = Map<string, StoredResource>;

/** The five types a snapshot is made of. */
export const snapshotTypes = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.Secret] as const;

function jsonMap(resources: TypeResources | undefined): Map<string, EnvoyJson> {
  const out = new Map<string, EnvoyJson>();
  for (const [name, r] of resources ?? []) out.set(name, r.json);
  return out;
}

/** Accepted state: resources and version_info per type. */
export class ResourceStore {
  private readonly byType = new Map<string, TypeResources>();
  private readonly versionInfo = new Map<string, string>();

  /** The accepted resources of a type (live map; do not mutate). */
  resources(typeUrl: string): TypeResources {
    let map = this.byType.get(typeUrl);
    if (map === undefined) {
      map = new Map();
      this.byType.set(typeUrl, map);
    }
    return map;
  }

  version(typeUrl: string): string | undefined {
    return this.versionInfo.get(typeUrl);
  }

  /** Replaces a type's resources after a response was accepted. */
  accept(typeUrl: string, resources: TypeResources, versionInfo: string): void {
    this.byType.set(typeUrl, resources);
    this.versionInfo.set(typeUrl, versionInfo);
  }

  /** Drops resources that are no longer subscribed. */
  drop(typeUrl: string, names: Iterable<string>): void {
    const map = this.byType.get(typeUrl);
    for (const name of names) map?.delete(name);
  }

  /** A snapshot of the accepted state, optionally with one type replaced by a candidate. */
  snapshot(candidate?: { typeUrl: string; resources: TypeResources; version: string }): XdsSnapshot {
    const pick = (typeUrl: string): TypeResources | undefined => (candidate?.typeUrl === typeUrl ? candidate.resources : this.byType.get(typeUrl));
    const versions = new Map(this.versionInfo);
    if (candidate !== undefined) versions.set(candidate.typeUrl, candidate.version);
    return {
      clusters: jsonMap(pick(TypeUrl.Cluster)),
      endpoints: jsonMap(pick(TypeUrl.ClusterLoadAssignment)),
      listeners: jsonMap(pick(TypeUrl.Listener)),
      routes: jsonMap(pick(TypeUrl.RouteConfiguration)),
      secrets: jsonMap(pick(TypeUrl.Secret)),
      versions,
    };
  }

  /** Versions of every accepted resource of a type, for Delta's initial_resource_versions. */
  resourceVersions(typeUrl: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, r] of this.byType.get(typeUrl) ?? []) out[name] = r.version;
    return out;
  }
}
