// Reads single fields out of protobuf wire bytes without decoding whole messages: the benchmark clients only need
// names and references (cluster type, route names), and full decoding of thousands of resources per client would
// make the client side, not istiod, the bottleneck.

/** A length-delimited field's bytes, or a varint field's value. */
export type FieldValue = Uint8Array | number;

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i]!;
    // Multiplication, not <<, so values beyond 31 bits stay correct (enums and lengths here are small anyway).
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new Error(`truncated varint at byte ${pos}`);
}

/** Calls visit for every top-level field of a message; length-delimited values are subarrays (no copy). */
export function scanFields(buf: Uint8Array, visit: (field: number, value: FieldValue) => void): void {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    pos = afterKey;
    switch (wireType) {
      case 0: {
        const [v, next] = readVarint(buf, pos);
        visit(field, v);
        pos = next;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        const [len, next] = readVarint(buf, pos);
        if (next + len > buf.length) throw new Error(`field ${field} overruns the message (${len} bytes at ${next} of ${buf.length})`);
        visit(field, buf.subarray(next, next + len));
        pos = next + len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType} for field ${field} at byte ${pos}`);
    }
  }
}

/** All length-delimited values of one field number. */
export function bytesFields(buf: Uint8Array, field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  scanFields(buf, (f, v) => {
    if (f === field && typeof v !== 'number') out.push(v);
  });
  return out;
}

/** The first string value of a field, or '' when absent. */
export function stringField(buf: Uint8Array, field: number): string {
  const v = bytesFields(buf, field)[0];
  return v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8') : '';
}

/** The last varint value of a field (proto3 last-wins), or undefined. */
export function varintField(buf: Uint8Array, field: number): number | undefined {
  let out: number | undefined;
  scanFields(buf, (f, v) => {
    if (f === field && typeof v === 'number') out = v;
  });
  return out;
}
