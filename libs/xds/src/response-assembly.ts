// SotW DiscoveryResponses assembled from pre-encoded parts. Every resource of a response is a `resources` entry
// (field 2: an Any with type_url and value); encoding that entry once per distinct resource and copying the bytes
// into each connection's response costs a memcpy instead of a protobuf encoding per connection and resource.
// Field order (1 version_info, 2 resources, 4 type_url, 5 nonce, 6 control_plane) is the one protobufjs writes,
// so the bytes equal encodeDiscoveryResponse's.

const utf8 = new TextEncoder();
/** A handful of type URLs, encoded once. */
const typeUrlBytes = new Map<string, Uint8Array>();

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(out: Uint8Array, offset: number, n: number): number {
  while (n >= 0x80) {
    out[offset++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[offset++] = n;
  return offset;
}

/** Length of a length-delimited field (tag byte + length varint + payload) for fields 1..15. */
function fieldLength(payload: number): number {
  return 1 + varintLength(payload) + payload;
}

function writeField(out: Uint8Array, offset: number, tag: number, payload: Uint8Array): number {
  out[offset++] = tag;
  offset = writeVarint(out, offset, payload.length);
  out.set(payload, offset);
  return offset + payload.length;
}

/** The tag and length prefix of a length-delimited field (`fieldNumber` 1..15) whose payload is `length` bytes. */
export function fieldHeader(fieldNumber: number, length: number): Uint8Array {
  const out = new Uint8Array(1 + varintLength(length));
  out[0] = (fieldNumber << 3) | 2;
  writeVarint(out, 1, length);
  return out;
}

const tagVersionInfo = (1 << 3) | 2;
const tagResources = (2 << 3) | 2;
const tagTypeUrl = (4 << 3) | 2;
const tagNonce = (5 << 3) | 2;
const tagControlPlane = (6 << 3) | 2;
const tagAnyTypeUrl = (1 << 3) | 2;
const tagAnyValue = (2 << 3) | 2;

/**
 * A resource as a complete `resources` entry of a DiscoveryResponse, plus where its own bytes start inside it (so
 * the message bytes are a view of the entry, not a second copy).
 */
export function resourceEntry(typeUrl: string, value: Uint8Array): { entry: Uint8Array; valueOffset: number } {
  let url = typeUrlBytes.get(typeUrl);
  if (url === undefined) {
    url = utf8.encode(typeUrl);
    if (typeUrlBytes.size < 1000) typeUrlBytes.set(typeUrl, url);
  }
  const anyLength = fieldLength(url.length) + fieldLength(value.length);
  const entry = new Uint8Array(fieldLength(anyLength));
  let offset = 0;
  entry[offset++] = tagResources;
  offset = writeVarint(entry, offset, anyLength);
  offset = writeField(entry, offset, tagAnyTypeUrl, url);
  entry[offset++] = tagAnyValue;
  offset = writeVarint(entry, offset, value.length);
  entry.set(value, offset);
  return { entry, valueOffset: offset };
}

/** The envelope of a SotW response; the resources come as pre-encoded entries. */
export interface ResponseEnvelope {
  readonly version_info: string;
  readonly type_url: string;
  readonly nonce: string;
  readonly control_plane?: { readonly identifier: string };
}

/** Encoded envelope fields and the total response size, computed before any large allocation. */
export interface ResponsePlan {
  readonly size: number;
  readonly fields: ReadonlyArray<readonly [number, Uint8Array]>;
  readonly entries: readonly Uint8Array[];
}

/** Sizes a response (to reserve write budget before the bytes exist). */
export function planResponse(envelope: ResponseEnvelope, entries: readonly Uint8Array[]): ResponsePlan {
  let size = 0;
  for (const e of entries) size += e.length;
  const fields = envelopeFields(envelope);
  for (const [, bytes] of fields) size += fieldLength(bytes.length);
  return { size, fields, entries };
}

function envelopeFields(envelope: ResponseEnvelope): Array<[number, Uint8Array]> {
  const fields: Array<[number, Uint8Array]> = [];
  if (envelope.version_info !== '') fields.push([tagVersionInfo, utf8.encode(envelope.version_info)]);
  if (envelope.type_url !== '') fields.push([tagTypeUrl, utf8.encode(envelope.type_url)]);
  if (envelope.nonce !== '') fields.push([tagNonce, utf8.encode(envelope.nonce)]);
  if (envelope.control_plane !== undefined) {
    const id = utf8.encode(envelope.control_plane.identifier);
    const cp = new Uint8Array(id.length === 0 ? 0 : fieldLength(id.length));
    if (id.length > 0) writeField(cp, 0, tagAnyTypeUrl, id); // ControlPlane.identifier is field 1 too
    fields.push([tagControlPlane, cp]);
  }
  return fields;
}

/** Writes the planned response into one new buffer (DiscoveryResponse wire bytes). */
export function assembleResponse(plan: ResponsePlan): Buffer {
  return assembleInto(Buffer.allocUnsafe(plan.size), plan);
}

/** Scratch space reused by serializePlanned; responses above the cap get their own buffer. */
let scratch = Buffer.alloc(0);
const scratchCapBytes = 32 * 1024 * 1024;

/**
 * The planned response's bytes in a buffer that is only valid until the next call: for a serializer whose caller
 * copies the result immediately (gRPC's message framing does).
 */
export function serializePlanned(plan: ResponsePlan): Buffer {
  if (plan.size > scratchCapBytes) return assembleResponse(plan);
  if (scratch.length < plan.size) scratch = Buffer.allocUnsafe(Math.min(scratchCapBytes, Math.max(plan.size, scratch.length * 2)));
  return assembleInto(scratch.subarray(0, plan.size), plan);
}

/** The envelope bytes around the resource entries: version_info before them, the other fields after. */
export function envelopeParts(plan: ResponsePlan): { before: Buffer; after: Buffer } {
  const encodeFields = (fields: ReadonlyArray<readonly [number, Uint8Array]>): Buffer => {
    let size = 0;
    for (const [, bytes] of fields) size += fieldLength(bytes.length);
    const out = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const [tag, bytes] of fields) offset = writeField(out, offset, tag, bytes);
    return out;
  };
  return { before: encodeFields(plan.fields.filter(([tag]) => tag === tagVersionInfo)), after: encodeFields(plan.fields.filter(([tag]) => tag !== tagVersionInfo)) };
}

function assembleInto(out: Buffer, plan: ResponsePlan): Buffer {
  let offset = 0;
  const fields = plan.fields;
  for (const [tag, bytes] of fields) if (tag === tagVersionInfo) offset = writeField(out, offset, tag, bytes);
  for (const e of plan.entries) {
    out.set(e, offset);
    offset += e.length;
  }
  for (const [tag, bytes] of fields) if (tag !== tagVersionInfo) offset = writeField(out, offset, tag, bytes);
  return out;
}
