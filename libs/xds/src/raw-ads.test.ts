// Test helper: a raw ADS stream that sends hand-built requests and awaits decoded responses, to check the
// server's protocol behaviour message by message.
import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition } from './ads-service.ts';
import {
  decodeDeltaResponse,
  decodeDiscoveryResponse,
  encodeDeltaRequest,
  encodeDiscoveryRequest,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from './discovery-wire.ts';

const AdsClient = grpc.makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');

/** A stream whose responses queue up until taken. */
export class RawStream<Req, Res> {
  private readonly call: grpc.ClientDuplexStream<Uint8Array, Buffer>;
  private readonly client: grpc.Client;
  private readonly queue: Res[] = [];
  private waiters: Array<(r: Res) => void> = [];
  ended: grpc.StatusObject | undefined;
  private readonly encodeRequest: (r: Req) => Uint8Array;

  constructor(target: string, method: 'StreamAggregatedResources' | 'DeltaAggregatedResources', encodeRequest: (r: Req) => Uint8Array, decode: (b: Buffer) => Res) {
    this.client = new AdsClient(target, grpc.credentials.createInsecure());
    this.encodeRequest = encodeRequest;
    const stub = this.client as unknown as Record<string, () => grpc.ClientDuplexStream<Uint8Array, Buffer>>;
    const open = stub[method];
    if (open === undefined) throw new Error(`no method ${method}`);
    this.call = open.call(this.client);
    this.call.on('data', (bytes: Buffer) => {
      const response = decode(bytes);
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(response);
      else this.queue.push(response);
    });
    this.call.on('status', (s: grpc.StatusObject) => (this.ended = s));
    this.call.on('error', () => undefined);
  }

  send(request: Req): void {
    this.call.write(this.encodeRequest(request));
  }

  sendRaw(bytes: Uint8Array): void {
    this.call.write(bytes);
  }

  /** The next response, or an error after `ms`. */
  next(ms = 3000): Promise<Res> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no response within ${ms} ms`));
      }, ms);
      const waiter = (r: Res): void => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiters.push(waiter);
    });
  }

  /** Asserts nothing arrives within `ms`. */
  async none(ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.queue.length > 0) throw new Error(`unexpected response: ${JSON.stringify(this.queue[0])}`);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** A SotW stream. */
export function sotwStream(target: string): RawStream<Partial<DiscoveryRequest> & { type_url: string }, DiscoveryResponse> {
  return new RawStream(
    target,
    'StreamAggregatedResources',
    (r) => encodeDiscoveryRequest({ version_info: '', resource_names: [], response_nonce: '', ...r }),
    decodeDiscoveryResponse,
  );
}

/** A Delta stream. */
export function deltaStream(target: string): RawStream<Partial<DeltaDiscoveryRequest> & { type_url: string }, DeltaDiscoveryResponse> {
  return new RawStream(
    target,
    'DeltaAggregatedResources',
    (r) => encodeDeltaRequest({ resource_names_subscribe: [], resource_names_unsubscribe: [], initial_resource_versions: {}, response_nonce: '', ...r }),
    decodeDeltaResponse,
  );
}
