import { describe, expect, it } from 'vitest';
import { writeFramed } from './grpc-framed-write.ts';
import { planResponse } from './response-assembly.ts';

const plan = planResponse({ version_info: 'v', type_url: 't', nonce: 'n' }, [new Uint8Array([0x12, 0])]);

describe('writeFramed', () => {
  it('declines a call without grpc-js server internals, so the caller uses call.write', () => {
    let done = 0;
    expect(writeFramed({ writableLength: 0 }, plan, () => done++)).toBe(false);
    expect(done).toBe(0);
  });

  it('declines while the call has queued writes (keeps message order)', () => {
    const call = { writableLength: 1, call: { stream: { destroyed: false, cork() {}, uncork() {}, write: () => true }, maybeSendMetadata() {}, checkCancelled: () => false } };
    expect(writeFramed(call, plan, () => undefined)).toBe(false);
  });

  it('writes the gRPC header, envelope and entries in order and reports completion', () => {
    const written: Buffer[] = [];
    let done = 0;
    const stream = {
      destroyed: false,
      cork() {},
      uncork() {},
      write(chunk: Uint8Array, cb?: () => void) {
        written.push(Buffer.from(chunk));
        cb?.();
        return true;
      },
    };
    const call = { writableLength: 0, call: { stream, maybeSendMetadata() {}, checkCancelled: () => false } };
    expect(writeFramed(call, plan, () => done++)).toBe(true);
    const all = Buffer.concat(written);
    expect(all.readUInt32BE(1)).toBe(plan.size);
    expect(all.length).toBe(plan.size + 5);
    expect(done).toBe(1);
  });
});
