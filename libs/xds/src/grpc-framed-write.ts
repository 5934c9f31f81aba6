// Writes a planned SotW response straight to the gRPC call's HTTP/2 stream as its parts: the 5-byte gRPC message
// header, the envelope fields and the pre-encoded resource chunks, which are shared by every connection of a sidecar
// group. grpc-js would serialize each message into a fresh buffer and copy it once more into another (`n + 5`
// bytes); at 200 sidecars × 6.7 MB that was 1.3 GB of short-lived buffers per full push, and the garbage collections
// their external memory triggered were the largest single cost in istiod's profile. The stream keeps references to
// the shared chunks until they are on the socket, so nothing is copied per connection.
//
// This reaches into grpc-js's server call (the stream, metadata and cancellation of BaseServerInterceptingCall);
// when the call does not have that shape (another grpc-js version, interceptors) the caller falls back to
// `call.write(plan)`, which serializes the plan through the service definition.
import type { ResponsePlan } from './response-assembly.ts';
import { envelopeParts } from './response-assembly.ts';

interface Http2Like {
  readonly destroyed: boolean;
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array, callback?: (err?: Error | null) => void): boolean;
}

interface BaseCallLike {
  readonly stream: Http2Like;
  maybeSendMetadata(): void;
  checkCancelled(): boolean;
  readonly callEventTracker?: { addMessageSent(): void } | null;
}

function isFunction(v: unknown): boolean {
  return typeof v === 'function';
}

/** The grpc-js internals this module needs, or undefined when the call does not expose them. */
function baseCallOf(call: unknown): BaseCallLike | undefined {
  const inner = (call as { call?: unknown } | null)?.call as Partial<BaseCallLike> | undefined;
  if (inner === undefined || inner === null) return undefined;
  const stream = inner.stream as Partial<Http2Like> | undefined;
  if (stream === undefined || !isFunction(stream.write) || !isFunction(stream.cork) || !isFunction(stream.uncork)) return undefined;
  if (!isFunction(inner.maybeSendMetadata) || !isFunction(inner.checkCancelled)) return undefined;
  return inner as BaseCallLike;
}

/**
 * Writes `plan` as one gRPC message directly to the call's HTTP/2 stream; `done` runs once it has been flushed.
 * Returns false (writing nothing) when the direct path is not available or the call's own queue is not empty.
 */
export function writeFramed(call: { readonly writableLength: number }, plan: ResponsePlan, done: () => void): boolean {
  if (call.writableLength > 0) return false; // keep order with anything queued through call.write
  const base = baseCallOf(call);
  if (base === undefined) return false;
  if (base.checkCancelled() || base.stream.destroyed) {
    done();
    return true;
  }
  base.maybeSendMetadata();
  const header = Buffer.allocUnsafe(5);
  header.writeUInt8(0, 0);
  header.writeUInt32BE(plan.size, 1);
  const { before, after } = envelopeParts(plan);
  const stream = base.stream;
  stream.cork();
  stream.write(header);
  if (before.length > 0) stream.write(before);
  for (const chunk of plan.entries) stream.write(chunk);
  stream.write(after, () => done());
  stream.uncork();
  base.callEventTracker?.addMessageSent();
  return true;
}
