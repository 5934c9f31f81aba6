// The xDS discovery messages (SotW and Delta) in the form the ADS server and client handle them: plain typed
// objects whose resources stay packed (type URL + bytes), so each resource is decoded, validated and reported
// on its own. Node is carried as Envoy JSON.
import { CodecError } from './codec-error.ts';
import { messageToWire } from './json-to-wire.ts';
import { lookupMessage } from './protos.ts';
import type { EnvoyJson } from './snapshot.ts';
import { messageToJson } from './wire-to-json.ts';
import type { PackedAny } from './codec.ts';

/** google.rpc.Status as sent in a NACK (details are not used by the mesh). */
export interface RpcStatus {
  code: number;
  message: string;
}

/** A SotW DiscoveryRequest. */
export interface DiscoveryRequest {
  version_info: string;
  node?: EnvoyJson;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: RpcStatus;
}

/** A SotW DiscoveryResponse; resources stay packed. */
export interface DiscoveryResponse {
  version_info: string;
  resources: PackedAny[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

/** A Delta DiscoveryRequest. */
export interface DeltaDiscoveryRequest {
  node?: EnvoyJson;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail?: RpcStatus;
}

/** One resource of a Delta response. */
export interface DeltaResource {
  name: string;
  version: string;
  resource?: PackedAny;
  aliases?: string[];
}

/** A Delta DiscoveryResponse. */
export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
  control_plane?: { identifier: string };
}

const pkg = 'envoy.service.discovery.v3';
type Wire = Record<string, unknown>;

function decodeWire(typeName: string, bytes: Uint8Array): Wire {
  try {
    return lookupMessage(typeName).decode(bytes) as unknown as Wire;
  } catch (err) {
    throw new CodecError('', `malformed ${typeName}: ${(err as Error).message}`);
  }
}

function nodeToWire(node: EnvoyJson | undefined): Wire | undefined {
  return node === undefined ? undefined : messageToWire(lookupMessage('envoy.config.core.v3.Node'), node, 'node');
}

function nodeFromWire(node: unknown): EnvoyJson | undefined {
  if (node === null || node === undefined) return undefined;
  return messageToJson(lookupMessage('envoy.config.core.v3.Node'), node as Wire, 'node') as EnvoyJson;
}

function statusFromWire(status: unknown): RpcStatus | undefined {
  if (status === null || status === undefined) return undefined;
  const s = status as { code?: number; message?: string };
  return { code: s.code ?? 0, message: s.message ?? '' };
}

function anyFromWire(any: unknown): PackedAny {
  const a = any as { type_url?: string; value?: Uint8Array };
  return { type_url: a.type_url ?? '', value: a.value ?? new Uint8Array() };
}

function controlPlaneFromWire(cp: unknown): { identifier: string } | undefined {
  if (cp === null || cp === undefined) return undefined;
  return { identifier: (cp as { identifier?: string }).identifier ?? '' };
}

/** Encodes a SotW request. */
export function encodeDiscoveryRequest(request: DiscoveryRequest): Uint8Array {
  const { node, error_detail, ...rest } = request;
  return lookupMessage(`${pkg}.DiscoveryRequest`).encode({ ...rest, node: nodeToWire(node), error_detail }).finish();
}

/** Decodes a SotW request; throws CodecError on malformed bytes. */
export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest {
  const m = decodeWire(`${pkg}.DiscoveryRequest`, bytes);
  const request: DiscoveryRequest = {
    version_info: String(m['version_info'] ?? ''),
    resource_names: [...((m['resource_names'] as string[] | undefined) ?? [])],
    type_url: String(m['type_url'] ?? ''),
    response_nonce: String(m['response_nonce'] ?? ''),
  };
  const node = nodeFromWire(m['node']);
  if (node !== undefined) request.node = node;
  const error = statusFromWire(m['error_detail']);
  if (error !== undefined) request.error_detail = error;
  return request;
}

/** Encodes a SotW response. */
export function encodeDiscoveryResponse(response: DiscoveryResponse): Uint8Array {
  return lookupMessage(`${pkg}.DiscoveryResponse`).encode(response).finish();
}

/** Decodes a SotW response, leaving resources packed; throws CodecError on malformed bytes. */
export function decodeDiscoveryResponse(bytes: Uint8Array): DiscoveryResponse {
  const m = decodeWire(`${pkg}.DiscoveryResponse`, bytes);
  const response: DiscoveryResponse = {
    version_info: String(m['version_info'] ?? ''),
    resources: ((m['resources'] as unknown[] | undefined) ?? []).map(anyFromWire),
    type_url: String(m['type_url'] ?? ''),
    nonce: String(m['nonce'] ?? ''),
  };
  const cp = controlPlaneFromWire(m['control_plane']);
  if (cp !== undefined) response.control_plane = cp;
  return response;
}

/** Encodes a Delta request. */
export function encodeDeltaRequest(request: DeltaDiscoveryRequest): Uint8Array {
  const { node, error_detail, ...rest } = request;
  return lookupMessage(`${pkg}.DeltaDiscoveryRequest`).encode({ ...rest, node: nodeToWire(node), error_detail }).finish();
}

/** Decodes a Delta request; throws CodecError on malformed bytes. */
export function decodeDeltaRequest(bytes: Uint8Array): DeltaDiscoveryRequest {
  const m = decodeWire(`${pkg}.DeltaDiscoveryRequest`, bytes);
  const request: DeltaDiscoveryRequest = {
    type_url: String(m['type_url'] ?? ''),
    resource_names_subscribe: [...((m['resource_names_subscribe'] as string[] | undefined) ?? [])],
    resource_names_unsubscribe: [...((m['resource_names_unsubscribe'] as string[] | undefined) ?? [])],
    initial_resource_versions: { ...((m['initial_resource_versions'] as Record<string, string> | undefined) ?? {}) },
    response_nonce: String(m['response_nonce'] ?? ''),
  };
  const node = nodeFromWire(m['node']);
  if (node !== undefined) request.node = node;
  const error = statusFromWire(m['error_detail']);
  if (error !== undefined) request.error_detail = error;
  return request;
}

/** Encodes a Delta response. */
export function encodeDeltaResponse(response: DeltaDiscoveryResponse): Uint8Array {
  return lookupMessage(`${pkg}.DeltaDiscoveryResponse`).encode(response).finish();
}

/** Decodes a Delta response, leaving resources packed; throws CodecError on malformed bytes. */
export function decodeDeltaResponse(bytes: Uint8Array): DeltaDiscoveryResponse {
  const m = decodeWire(`${pkg}.DeltaDiscoveryResponse`, bytes);
  const resources = ((m['resources'] as Wire[] | undefined) ?? []).map((r): DeltaResource => {
    const resource: DeltaResource = { name: String(r['name'] ?? ''), version: String(r['version'] ?? '') };
    if (r['resource'] !== null && r['resource'] !== undefined) resource.resource = anyFromWire(r['resource']);
    const aliases = r['aliases'] as string[] | undefined;
    if (aliases !== undefined && aliases.length > 0) resource.aliases = [...aliases];
    return resource;
  });
  const response: DeltaDiscoveryResponse = {
    system_version_info: String(m['system_version_info'] ?? ''),
    resources,
    type_url: String(m['type_url'] ?? ''),
    removed_resources: [...((m['removed_resources'] as string[] | undefined) ?? [])],
    nonce: String(m['nonce'] ?? ''),
  };
  const cp = controlPlaneFromWire(m['control_plane']);
  if (cp !== undefined) response.control_plane = cp;
  return response;
}
