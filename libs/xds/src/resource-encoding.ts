// Encodes resources for the wire and derives a content version from the bytes, so that a push sends only what
// changed and Delta versions survive a server restart. Encoding is shared across proxies: translate builds fresh
// objects for every proxy, so besides the per-object memo the bytes are cached by resource content (its JSON text),
// and identical clusters/listeners/routes/endpoints of different proxies are encoded once per push generation.
import { createHash } from 'node:crypto';
import { encode } from './codec.ts';
import { resourceEntry } from './response-assembly.ts';
import type { EnvoyJson } from './snapshot.ts';

/** A resource ready to send: its bytes and a version that changes exactly when the bytes change. */
export interface EncodedResource {
  bytes: Uint8Array;
  version: string;
  /** The resource as a DiscoveryResponse `resources` entry (Any-wrapped); `bytes` is a view into it. */
  entry: Uint8Array;
}

/** JSON texts callers already computed for resources (istiod's interner), so the cache does not stringify again. */
const knownJson = new WeakMap<object, string>();

/** Records the JSON text of a resource that will not be mutated, for the encoding cache's content key. */
export function rememberResourceJson(resource: EnvoyJson, json: string): void {
  knownJson.set(resource, json);
}

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
    const key = `${typeUrl}\n${knownJson.get(resource) ?? JSON.stringify(resource)}`;
    let encoded = this.current.get(key);
    if (encoded === undefined) {
      encoded = this.previous.get(key);
      if (encoded === undefined) {
        const { entry, valueOffset } = resourceEntry(typeUrl, encode(typeUrl, resource));
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
