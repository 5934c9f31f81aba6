// Test helper: a minimal SotW ADS client that subscribes like a sidecar and decodes what istiod sends.
import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, decodeDiscoveryResponse, encodeDiscoveryRequest, unpackAny, type DiscoveryRequest, type DiscoveryResponse, type EnvoyJson } from '@mesh/xds';

const AdsClient = grpc.makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');

export class AdsProbe {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Uint8Array, Buffer>;
  private readonly waiters: Array<{ type: string; resolve: (r: DiscoveryResponse) => void }> = [];
  readonly responses: DiscoveryResponse[] = [];
  private first = true;
  private readonly node: EnvoyJson;
  /** Resolves with the stream's final error (or undefined) when the server side ends it. */
  readonly ended: Promise<Error | undefined>;

  constructor(target: string, node: EnvoyJson) {
    this.node = node;
    this.client = new AdsClient(target, grpc.credentials.createInsecure());
    const stub = this.client as unknown as { StreamAggregatedResources: () => grpc.ClientDuplexStream<Uint8Array, Buffer> };
    this.call = stub.StreamAggregatedResources.call(this.client);
    this.call.on('data', (bytes: Buffer) => {
      const r = decodeDiscoveryResponse(bytes);
      this.responses.push(r);
      const i = this.waiters.findIndex((w) => w.type === r.type_url);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(r);
    });
    this.ended = new Promise((resolve) => {
      this.call.on('error', (err: Error) => resolve(err));
      this.call.on('end', () => resolve(undefined));
    });
  }

  /** Sends a request (the node goes on the first one only) and returns the next response of that type. */
  request(type: string, names: string[] = [], ack?: DiscoveryResponse, timeoutMs = 5000): Promise<DiscoveryResponse> {
    const p = this.next(type, timeoutMs);
    this.call.write(
      encodeDiscoveryRequest({
        ...(this.first ? { node: this.node } : {}),
        type_url: type,
        resource_names: names,
        version_info: ack?.version_info ?? '',
        response_nonce: ack?.nonce ?? '',
      }),
    );
    this.first = false;
    return p;
  }

  /** ACKs a response without waiting for anything. */
  ack(r: DiscoveryResponse, names: string[] = []): void {
    this.call.write(encodeDiscoveryRequest({ type_url: r.type_url, resource_names: names, version_info: r.version_info, response_nonce: r.nonce }));
  }

  /** NACKs a response: its nonce, the previously accepted version, and an error_detail. */
  nack(r: DiscoveryResponse, acceptedVersion: string, message: string, names: string[] = []): void {
    this.send({ type_url: r.type_url, resource_names: names, version_info: acceptedVersion, response_nonce: r.nonce, error_detail: { code: 3, message } });
  }

  /** Sends any request as is (the node is added on the stream's first request). */
  send(req: DiscoveryRequest): void {
    this.call.write(encodeDiscoveryRequest({ ...(this.first ? { node: this.node } : {}), ...req }));
    this.first = false;
  }

  /** Resolves with the next response of a type, or undefined if none arrives within `ms`. */
  async quiet(type: string, ms: number): Promise<DiscoveryResponse | undefined> {
    return this.next(type, ms).catch(() => undefined);
  }

  /** The next response of a type. */
  next(type: string, timeoutMs = 5000): Promise<DiscoveryResponse> {
    return new Promise((resolve, reject) => {
      const waiter = { type, resolve: (r: DiscoveryResponse) => { clearTimeout(timer); resolve(r); } };
      const timer = setTimeout(() => {
        // A timed-out waiter must not swallow a later response.
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no ${type} response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** The resources of a response, decoded to Envoy JSON and keyed by name (cluster_name for endpoints). */
export function resourcesByName(r: DiscoveryResponse): Map<string, EnvoyJson> {
  const out = new Map<string, EnvoyJson>();
  for (const any of r.resources) {
    const json = unpackAny(any);
    out.set(String(json['name'] ?? json['cluster_name']), json);
  }
  return out;
}
