// Encodes resources for the wire and derives a content version from the bytes, so that a push sends only what
// changed and Delta versions survive a server restart. Encoding is shared across proxies: translate builds fresh
// objects for every proxy, so besides the per-object memo the bytes are cached by resource content (its JSON text),
// and identical clusters/listeners/routes/endpoints of different proxies are encoded once per push generation.
import { createHash } from 'node:crypto';
import { encode } from './codec.ts';
import { CodecError, fieldPath, indexPath } from './codec-error.ts';
import { fieldHeader, resourceEntry } from './response-assembly.ts';
import { TypeUrl } from './type-urls.ts';
import type { EnvoyJson } from './snapshot.ts';

/** A resource ready to send: its bytes and a version that changes exactly when the bytes change. */
export interface EncodedResource {
  bytes: Uint8Array;
  version: string;
  /** The resource as a DiscoveryResponse `resources` entry (Any-wrapped); `bytes` is a view into it. */
  entry: Uint8Array;
}

/**
 * The content key of a resource's JSON text: a digest, so caches keyed by content hold 27 characters per entry
 * instead of a copy of every resource's (up to megabytes of) JSON.
 */
export function contentHash(json: string): string {
  return createHash('sha256').update(json).digest('base64');
}

/** Content hashes callers already computed (istiod's interner), so the cache does not stringify again. */
const knownHashes = new WeakMap<object, string>();

/** Records contentHash(JSON.stringify(resource)) for a resource that will not be mutated. */
export function rememberContentHash(resource: EnvoyJson, hash: string): void {
  knownHashes.set(resource, hash);
}

/** Route configurations with at least this many virtual hosts are encoded host by host (see encodeMessage). */
const splitVirtualHostsAt = 16;
const virtualHostType = 'envoy.config.route.v3.VirtualHost';

/** Entries kept per generation before the cache rotates early (bounds memory on huge meshes). */
const defaultMaxEntries = 100_000;

/**
 * A two-generation content cache: `rotate()` (on each push version) retires the older generation, so entries used
 * by the current and the previous push survive (unchanged resources are not re-encoded after a change) while
 * everything else is dropped. Keys are `typeUrl` + the resource's JSON text: equal text means equal content.
 */
export class EncodingCache {
  private current = new Map<string, EncodedResource>();
  private previous = new Map<string, EncodedResource>();
  private byObject = new WeakMap<object, { typeUrl: string; key: string; encoded: EncodedResource }>();
  private previousByObject = new WeakMap<object, { typeUrl: string; key: string; encoded: EncodedResource }>();
  private readonly maxEntries: number;
  /** Number of actual protobuf encodings performed (for tests and diagnostics). */
  encodings = 0;

  constructor(maxEntries = defaultMaxEntries) {
    this.maxEntries = maxEntries;
  }

  /** Encodes a resource of `typeUrl`, reusing the bytes of an identical resource encoded in this or the last generation. */
  encode(typeUrl: string, resource: EnvoyJson): EncodedResource {
    const memo = this.byObject.get(resource);
    if (memo !== undefined && memo.typeUrl === typeUrl) return memo.encoded;
    const kept = this.previousByObject.get(resource);
    if (kept !== undefined && kept.typeUrl === typeUrl) {
      // An object reused across a push (e.g. clusters carried over after a route-only change): no re-keying.
      this.byObject.set(resource, kept);
      if (!this.current.has(kept.key)) this.current.set(kept.key, kept.encoded);
      return kept.encoded;
    }
    const split = this.splitHosts(typeUrl, resource);
    // A split route configuration is keyed by its other fields and its hosts' versions: no megabyte JSON text.
    const hash =
      knownHashes.get(resource) ??
      (split === undefined ? contentHash(JSON.stringify(resource)) : contentHash(`${JSON.stringify(split.rest)}\n${split.hosts.map((h) => h.version).join(',')}`));
    const key = `${typeUrl}\n${hash}`;
    let encoded = this.current.get(key);
    if (encoded === undefined) {
      encoded = this.previous.get(key);
      if (encoded === undefined) {
        const { entry, valueOffset } = resourceEntry(typeUrl, this.encodeMessage(typeUrl, resource, split));
        const bytes = entry.subarray(valueOffset);
        this.encodings++;
        encoded = { bytes, entry, version: createHash('sha256').update(bytes).digest('base64url').slice(0, 16) };
      }
      if (this.current.size >= this.maxEntries) this.rotate();
      this.current.set(key, encoded);
    }
    this.byObject.set(resource, { typeUrl, key, encoded });
    return encoded;
  }

  /**
   * A sidecar's route configuration holds a virtual host per service, and after a VirtualService change one host
   * differs: large configurations are encoded host by host through this cache. Returns the other fields and the
   * encoded hosts, or undefined for resources encoded whole.
   */
  private splitHosts(typeUrl: string, resource: EnvoyJson): { rest: EnvoyJson; hosts: EncodedResource[] } | undefined {
    const hosts = resource['virtual_hosts'];
    if (typeUrl !== TypeUrl.RouteConfiguration || !Array.isArray(hosts) || hosts.length < splitVirtualHostsAt) return undefined;
    const { virtual_hosts: _hosts, ...rest } = resource;
    const encoded: EncodedResource[] = [];
    for (const [i, host] of (hosts as unknown[]).entries()) {
      try {
        encoded.push(this.encode(virtualHostType, host as EnvoyJson));
      } catch (err) {
        if (!(err instanceof CodecError)) throw err;
        throw new CodecError(fieldPath(indexPath('virtual_hosts', i), err.path), err.reason);
      }
    }
    return { rest, hosts: encoded };
  }

  /**
   * The protobuf bytes of a resource; a split route configuration is its other fields, then each `virtual_hosts`
   * entry (field 2). Protobuf parsers accept fields in any order, and repeated entries keep theirs.
   */
  private encodeMessage(typeUrl: string, resource: EnvoyJson, split: { rest: EnvoyJson; hosts: EncodedResource[] } | undefined): Uint8Array {
    if (split === undefined) return encode(typeUrl, resource);
    const parts: Uint8Array[] = [encode(typeUrl, split.rest)];
    for (const host of split.hosts) parts.push(fieldHeader(2, host.bytes.length), host.bytes);
    return Buffer.concat(parts);
  }

  /** Starts a new generation: entries not used since the previous rotation are released. */
  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
    // Like the content maps, the object memo keeps one generation back: objects reused by the next push keep their
    // encoding without a JSON key; objects of older pushes stop pinning their bytes.
    this.previousByObject = this.byObject;
    this.byObject = new WeakMap();
  }

  /** Entries held in both generations. */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/** The process-wide cache the ADS server encodes through; rotated on every push version. */
export const sharedEncodingCache = new EncodingCache();

/** Encodes a resource of `typeUrl` through the shared content cache (identical resources are encoded once). */
export function encodeResource(typeUrl: string, resource: EnvoyJson): EncodedResource {
  return sharedEncodingCache.encode(typeUrl, resource);
}
