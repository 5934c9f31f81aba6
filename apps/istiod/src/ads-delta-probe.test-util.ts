// Test helper: a minimal Delta (incremental) ADS client, to drive istiod's DeltaAggregatedResources stream by hand,
// including wrong sequences a real proxy would not send.
import * as grpc from '@grpc/grpc-js';
import {
  adsServiceDefinition,
  decodeDeltaResponse,
  encodeDeltaRequest,
  unpackAny,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type EnvoyJson,
} from '@mesh/xds';

const AdsClient = grpc.makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');

export class DeltaProbe {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Uint8Array, Buffer>;
  private readonly waiters: Array<{ type: string; resolve: (r: DeltaDiscoveryResponse) => void }> = [];
  private readonly node: EnvoyJson;
  private first = true;
  readonly responses: DeltaDiscoveryResponse[] = [];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<Error | undefined>;

  constructor(target: string, node: EnvoyJson) {
    this.node = node;
    this.client = new AdsClient(target, grpc.credentials.createInsecure());
    const stub = this.client as unknown as { DeltaAggregatedResources: () => grpc.ClientDuplexStream<Uint8Array, Buffer> };
    this.call = stub.DeltaAggregatedResources.call(this.client);
    this.call.on('data', (bytes: Buffer) => {
      const r = decodeDeltaResponse(bytes);
      this.responses.push(r);
      const i = this.waiters.findIndex((w) => w.type === r.type_url);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(r);
    });
    this.ended = new Promise((resolve) => {
      this.call.on('error', (err: Error) => resolve(err));
      this.call.on('end', () => resolve(undefined));
    });
  }

  /** Sends a request (missing list fields default to empty; the node goes on the first request). */
  send(req: Partial<DeltaDiscoveryRequest> & { type_url: string }): void {
    this.call.write(
      encodeDeltaRequest({
        resource_names_subscribe: [],
        resource_names_unsubscribe: [],
        initial_resource_versions: {},
        response_nonce: '',
        ...(this.first ? { node: this.node } : {}),
        ...req,
      }),
    );
    this.first = false;
  }

  /** Sends a request and returns the next response of its type. */
  request(req: Partial<DeltaDiscoveryRequest> & { type_url: string }, timeoutMs = 5000): Promise<DeltaDiscoveryResponse> {
    const p = this.next(req.type_url, timeoutMs);
    this.send(req);
    return p;
  }

  /** ACKs a response. */
  ack(r: DeltaDiscoveryResponse): void {
    this.send({ type_url: r.type_url, response_nonce: r.nonce });
  }

  /** NACKs a response with an error_detail. */
  nack(r: DeltaDiscoveryResponse, message: string): void {
    this.send({ type_url: r.type_url, response_nonce: r.nonce, error_detail: { code: 3, message } });
  }

  /** The next response of a type. */
  next(type: string, timeoutMs = 5000): Promise<DeltaDiscoveryResponse> {
    return new Promise((resolve, reject) => {
      const waiter = { type, resolve: (r: DeltaDiscoveryResponse) => { clearTimeout(timer); resolve(r); } };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no delta ${type} response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next response of a type, or undefined if none arrives within `ms`. */
  async quiet(type: string, ms: number): Promise<DeltaDiscoveryResponse | undefined> {
    return this.next(type, ms).catch(() => undefined);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** The resources of a Delta response decoded to Envoy JSON, keyed by resource name. */
export function deltaResources(r: DeltaDiscoveryResponse): Map<string, EnvoyJson> {
  const out = new Map<string, EnvoyJson>();
  for (const res of r.resources) if (res.resource) out.set(res.name, unpackAny(res.resource));
  return out;
}

/** name → version of the resources of a Delta response (what a client would send as initial_resource_versions). */
export function deltaVersions(r: DeltaDiscoveryResponse): Record<string, string> {
  return Object.fromEntries(r.resources.map((res) => [res.name, res.version]));
}
