// Encodes resources for the wire once per resource object and derives a content version from the bytes, so that
// a push sends only what changed and Delta versions survive a server restart.
import { createHash } from 'node:crypto';
import { encode } from './codec.ts';
import type { EnvoyJson } from './snapshot.ts';

/** A resource ready to send: its bytes and a version that changes exactly when the bytes change. */
export interface EncodedResource {
  bytes: Uint8Array;
  version: string;
}

const cache = new WeakMap<EnvoyJson, { typeUrl: string; encoded: EncodedResource }>();

/** Encodes a resource of `typeUrl` (memoized per object; providers that reuse unchanged objects pay nothing). */
export function encodeResource(typeUrl: string, resource: EnvoyJson): EncodedResource {
  const hit = cache.get(resource);
  if (hit !== undefined && hit.typeUrl === typeUrl) return hit.encoded;
  const bytes = encode(typeUrl, resource);
  const version = createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
  const encoded = { bytes, version };
  cache.set(resource, { typeUrl, encoded });
  return encoded;
}
