import { credentials, makeGenericClientConstructor, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { ProbeResult } from './probe-types.ts';

/*
 * grpc.health.v1.Health/Check with the two tiny messages encoded by hand:
 *   HealthCheckRequest  { string service = 1; }
 *   HealthCheckResponse { ServingStatus status = 1; }  // 1 = SERVING
 */
function encodeRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  if (s.length === 0) return Buffer.alloc(0);
  return Buffer.concat([Buffer.from([0x0a]), encodeVarint(s.length), s]);
}

function encodeVarint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** Decodes the status field; unknown fields are skipped. Exported for the test's health server. */
export function decodeHealthStatus(buf: Buffer): number {
  let i = 0;
  let status = 0;
  while (i < buf.length) {
    const tag = buf[i++] as number;
    const wire = tag & 7;
    let v = 0;
    let shift = 0;
    if (wire === 0) {
      for (;;) {
        const b = buf[i++] as number;
        v |= (b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
      if (tag >> 3 === 1) status = v;
    } else if (wire === 2) {
      let len = 0;
      for (;;) {
        const b = buf[i++] as number;
        len |= (b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
      i += len;
    } else {
      break;
    }
  }
  return status;
}

/** Encodes a HealthCheckResponse (for servers in tests and tools). */
export function encodeHealthStatus(status: number): Buffer {
  return status === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x08]), encodeVarint(status)]);
}

/** Decodes a HealthCheckRequest's service name. */
export function decodeHealthService(buf: Buffer): string {
  if (buf.length < 2 || buf[0] !== 0x0a) return '';
  let len = 0;
  let shift = 0;
  let i = 1;
  for (;;) {
    const b = buf[i++] as number;
    len |= (b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  return buf.subarray(i, i + len).toString('utf8');
}

/** The grpc.health.v1.Health service definition with raw-byte codecs. */
export const healthService = {
  check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer): Buffer => b,
    requestDeserialize: (b: Buffer): Buffer => b,
    responseSerialize: (b: Buffer): Buffer => b,
    responseDeserialize: (b: Buffer): Buffer => b,
  },
};

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');
const SERVING = 1;

/** Calls Health/Check over plaintext h2; success only when the status is SERVING. */
export function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const client = new HealthClient(target, credentials.createInsecure());
    const deadline = new Date(Date.now() + timeoutMs);
    const check = client['check'] as unknown as (
      req: Buffer,
      md: Metadata,
      opts: { deadline: Date },
      cb: (err: ServiceError | null, res?: Buffer) => void,
    ) => void;
    check.call(client, encodeRequest(service), new Metadata(), { deadline }, (err, res) => {
      client.close();
      if (err) {
        resolve({ ok: false, reason: `gRPC ${err.code}: ${err.details}` });
        return;
      }
      const status = decodeHealthStatus(res ?? Buffer.alloc(0));
      resolve({ ok: status === SERVING, reason: `status ${status}` });
    });
  });
}
