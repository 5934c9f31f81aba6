// Decodes the resources of one xDS response one by one, so that an error names the resource and the field.
import { findMessage, shortTypeName, unpackAny, type EnvoyJson, type PackedAny } from '@mesh/xds';
import { resourceName } from './resource-refs.ts';

/** A packed resource with the name and version a Delta response gives it. */
export interface IncomingResource {
  readonly any: PackedAny;
  readonly name?: string;
  readonly version?: string;
}

/** Decoded resources by name, and every error found (each naming its resource and field). */
export interface DecodedResources {
  readonly resources: Map<string, { json: EnvoyJson; version: string; bytes: Uint8Array }>;
  readonly errors: string[];
}

/** The resource's name read straight from the bytes (for error messages when full decoding fails). */
function rawName(typeUrl: string, any: PackedAny): string | undefined {
  try {
    const message = findMessage(typeUrl)?.decode(any.value) as unknown as Record<string, unknown> | undefined;
    const name = message?.[typeUrl.endsWith('ClusterLoadAssignment') ? 'cluster_name' : 'name'];
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes every resource of a response of `typeUrl`; `defaultVersion` is used when a resource has none (SotW). */
export function decodeResources(typeUrl: string, incoming: readonly IncomingResource[], defaultVersion: string): DecodedResources {
  const kind = shortTypeName[typeUrl] ?? typeUrl;
  const resources = new Map<string, { json: EnvoyJson; version: string; bytes: Uint8Array }>();
  const errors: string[] = [];
  incoming.forEach((item, index) => {
    const label = (name: string | undefined): string => `${kind} resource ${name === undefined ? `#${index}` : JSON.stringify(name)}`;
    if (item.any.type_url !== typeUrl) {
      errors.push(`${label(item.name)}: type ${item.any.type_url} in a response for ${typeUrl}`);
      return;
    }
    let json: EnvoyJson;
    try {
      json = unpackAny(item.any);
    } catch (err) {
      errors.push(`${label(item.name ?? rawName(typeUrl, item.any))}: ${(err as Error).message}`);
      return;
    }
    delete json['@type'];
    const name = resourceName(typeUrl, json);
    if (name === '') {
      errors.push(`${label(item.name)}: ${typeUrl.endsWith('ClusterLoadAssignment') ? 'cluster_name' : 'name'}: must not be empty`);
      return;
    }
    if (item.name !== undefined && item.name !== name) {
      errors.push(`${label(item.name)}: the resource is named ${JSON.stringify(name)}`);
      return;
    }
    if (resources.has(name)) {
      errors.push(`${label(name)}: duplicate resource in one response`);
      return;
    }
    resources.set(name, { json, version: item.version ?? defaultVersion, bytes: item.any.value });
  });
  return { resources, errors };
}
