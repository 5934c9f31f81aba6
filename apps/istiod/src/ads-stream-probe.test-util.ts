// Test helper: the stream plumbing both ADS probes share (SotW and Delta): one gRPC call, responses decoded and
// kept in order, waiters for the next response of a type, and the node sent on the stream's first request only.
import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, type EnvoyJson } from '@mesh/xds';

const AdsClient = grpc.makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');

type Method = 'StreamAggregatedResources' | 'DeltaAggregatedResources';

export class AdsStreamProbe<R extends { type_url: string }> {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Uint8Array, Buffer>;
  private readonly waiters: Array<{ type: string; resolve: (r: R) => void }> = [];
  private first = true;
  protected readonly node: EnvoyJson;
  readonly responses: R[] = [];
  /** Resolves with the stream's final error (or undefined) when the server side ends it. */
  readonly ended: Promise<Error | undefined>;

  constructor(target: string, node: EnvoyJson, method: Method, decode: (bytes: Buffer) => R) {
    this.node = node;
    this.client = new AdsClient(target, grpc.credentials.createInsecure());
    const stub = this.client as unknown as Record<Method, () => grpc.ClientDuplexStream<Uint8Array, Buffer>>;
    this.call = stub[method].call(this.client);
    this.call.on('data', (bytes: Buffer) => {
      const r = decode(bytes);
      this.responses.push(r);
      const i = this.waiters.findIndex((w) => w.type === r.type_url);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(r);
    });
    this.ended = new Promise((resolve) => {
      this.call.on('error', (err: Error) => resolve(err));
      this.call.on('end', () => resolve(undefined));
    });
  }

  /** Writes one encoded request; `encode` gets the node on the stream's first request only. */
  protected write(encode: (node: EnvoyJson | undefined) => Uint8Array): void {
    this.call.write(encode(this.first ? this.node : undefined));
    this.first = false;
  }

  /** The next response of a type. */
  next(type: string, timeoutMs = 5000): Promise<R> {
    return new Promise((resolve, reject) => {
      const waiter = { type, resolve: (r: R) => { clearTimeout(timer); resolve(r); } };
      const timer = setTimeout(() => {
        // A timed-out waiter must not swallow a later response.
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no ${type} response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next response of a type, or undefined if none arrives within `ms`. */
  async quiet(type: string, ms: number): Promise<R | undefined> {
    return this.next(type, ms).catch(() => undefined);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
