// The binary ⇄ Envoy JSON codec for every mesh proto.
//
// Usage:
//   const bytes = encode(TypeUrl.Cluster, { name: 'c', type: 'EDS', connect_timeout: '1s' });
//   const json = decode('envoy.config.cluster.v3.Cluster', bytes); // { name: 'c', type: 'EDS', connect_timeout: '1s' }
//   const any = packAny({ '@type': TypeUrl.Listener, name: 'l' });  // { type_url, value: Uint8Array }
//   const back = unpackAny(any);                                     // { '@type': ..., name: 'l' }
//
// Input accepts snake_case and lowerCamelCase names; output is snake_case with proto3 defaults omitted, 64-bit
// integers as decimal strings. Bad input throws CodecError whose message starts with the field path.
import { CodecError } from './codec-error.ts';
import { anyToWire, messageToWire, type WireOptions } from './json-to-wire.ts';
import { lookupMessage, findMessage, typeNameOf } from './protos.ts';
import type { EnvoyJson } from './snapshot.ts';
import { anyToJson, messageToJson } from './wire-to-json.ts';

export { CodecError } from './codec-error.ts';
export type { WireOptions as EncodeOptions } from './json-to-wire.ts';

/** An Any on the wire: the type URL and the encoded message. */
export interface PackedAny {
  type_url: string;
  value: Uint8Array;
}

function messageType(typeName: string) {
  const type = findMessage(typeName);
  if (type === undefined) throw new CodecError('', `unknown message type "${typeNameOf(typeName)}"`);
  return type;
}

/** Encodes Envoy JSON as the binary protobuf of `typeName` (full name or type URL). */
export function encode(typeName: string, json: unknown, options: WireOptions = {}): Uint8Array {
  const type = messageType(typeName);
  return type.encode(messageToWire(type, json, '', 0, options)).finish();
}

/** Decodes binary protobuf of `typeName` into Envoy JSON. */
export function decode(typeName: string, bytes: Uint8Array): EnvoyJson {
  const type = messageType(typeName);
  let message: Record<string, unknown>;
  try {
    message = type.decode(bytes) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new CodecError('', `cannot decode ${type.fullName.slice(1)}: ${(err as Error).message}`);
  }
  const json = messageToJson(type, message);
  return (typeof json === 'object' && json !== null && !Array.isArray(json) ? json : { value: json }) as EnvoyJson;
}

/** Packs JSON with an "@type" into a wire Any. */
export function packAny(json: EnvoyJson, options: WireOptions = {}): PackedAny {
  const wire = anyToWire(lookupMessage('google.protobuf.Any'), json, '', 0, options);
  return { type_url: String(wire['type_url'] ?? ''), value: (wire['value'] as Uint8Array | undefined) ?? new Uint8Array() };
}

/** Unpacks a wire Any into JSON with an "@type" (the resource path prefixes errors when given). */
export function unpackAny(any: { type_url: string; value: Uint8Array }, path = ''): EnvoyJson {
  return anyToJson(any.type_url, any.value, path);
}

/** Parses Envoy JSON into `typeName` and prints it back: the canonical form (snake_case, defaults dropped). */
export function normalize(typeName: string, json: unknown, options: WireOptions = {}): EnvoyJson {
  return decode(typeName, encode(typeName, json, options));
}

/** Checks Envoy JSON against the proto schema of `typeName`; returns the first error, or undefined when valid. */
export function checkJson(typeName: string, json: unknown, options: WireOptions = {}): string | undefined {
  try {
    encode(typeName, json, options);
    return undefined;
  } catch (err) {
    if (err instanceof CodecError) return err.message;
    throw err;
  }
}
