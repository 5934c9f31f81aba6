// One gRPC xDS stream of a client: opens SotW or Delta on ADS or on SecretDiscoveryService, writes requests (with
// the node on the first message, or on every message), and hands decoded responses and the stream's end to its owner.
import * as grpc from '@grpc/grpc-js';
import {
  adsServiceDefinition,
  decodeDeltaResponse,
  decodeDiscoveryResponse,
  encodeDeltaRequest,
  encodeDiscoveryRequest,
  type EnvoyJson,
  type RpcStatus,
} from '@mesh/xds';
import type { IncomingResource } from './response-decoding.ts';
import { sdsServiceDefinition } from './sds-service.ts';

const AdsClient = grpc.makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');
const SdsClient = grpc.makeGenericClientConstructor(sdsServiceDefinition, 'SecretDiscoveryService');

/** The gRPC service a stream speaks: aggregated discovery, or a secret discovery service (Envoy's SDS config source). */
export type StreamService = 'ads' | 'sds';

/** A response in a form common to SotW and Delta. */
export interface IncomingResponse {
  readonly typeUrl: string;
  readonly version: string;
  readonly nonce: string;
  readonly resources: readonly IncomingResource[];
  readonly removed: readonly string[];
  /** SotW responses of CDS/LDS replace the whole set; Delta responses and other SotW types do not. */
  readonly mode: 'SotW' | 'Delta';
}

/** What the stream needs from its owner. */
export interface ClientStreamOptions {
  readonly target: string;
  readonly credentials: grpc.ChannelCredentials;
  /** Default 'ads'. */
  readonly service?: StreamService;
  readonly delta: boolean;
  readonly node: EnvoyJson;
  readonly nodeOnFirstMessageOnly: boolean;
  readonly onResponse: (response: IncomingResponse) => void;
  readonly onMalformed: (error: string) => void;
  readonly onClose: (reason: string) => void;
}

/** A SotW request in the client's terms. */
export interface SotwRequest {
  typeUrl: string;
  names: readonly string[];
  versionInfo: string;
  nonce: string;
  error?: RpcStatus;
}

/** A Delta request in the client's terms. */
export interface DeltaRequest {
  typeUrl: string;
  subscribe: readonly string[];
  unsubscribe: readonly string[];
  initialVersions: Record<string, string>;
  nonce: string;
  error?: RpcStatus;
}

/** One open xDS stream. */
export class ClientStream {
  private readonly options: ClientStreamOptions;
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Uint8Array, Buffer>;
  private nodeSent = false;
  private closed = false;

  constructor(options: ClientStreamOptions) {
    this.options = options;
    const sds = options.service === 'sds';
    const Client = sds ? SdsClient : AdsClient;
    this.client = new Client(options.target, options.credentials, {
      'grpc.keepalive_time_ms': 300_000,
      'grpc.max_receive_message_length': -1,
      'grpc.initial_reconnect_backoff_ms': 200,
    });
    const stub = this.client as unknown as Record<string, () => grpc.ClientDuplexStream<Uint8Array, Buffer>>;
    const methodName = sds ? (options.delta ? 'DeltaSecrets' : 'StreamSecrets') : options.delta ? 'DeltaAggregatedResources' : 'StreamAggregatedResources';
    const method = stub[methodName];
    if (method === undefined) throw new Error(`${methodName} missing from the generated client`);
    this.call = method.call(this.client);
    this.call.on('data', (bytes: Buffer) => this.onData(bytes));
    this.call.on('status', (status: grpc.StatusObject) => this.finish(`status ${grpc.status[status.code] ?? status.code}: ${status.details}`));
    this.call.on('error', (err: Error) => this.finish(`error: ${err.message}`));
    this.call.on('end', () => this.finish('stream ended'));
  }

  private onData(bytes: Buffer): void {
    if (this.closed) return;
    try {
      if (this.options.delta) {
        const r = decodeDeltaResponse(bytes);
        this.options.onResponse({
          typeUrl: r.type_url,
          version: r.system_version_info,
          nonce: r.nonce,
          resources: r.resources.filter((x) => x.resource !== undefined).map((x) => ({ any: x.resource!, name: x.name, version: x.version })),
          removed: r.removed_resources,
          mode: 'Delta',
        });
      } else {
        const r = decodeDiscoveryResponse(bytes);
        this.options.onResponse({ typeUrl: r.type_url, version: r.version_info, nonce: r.nonce, resources: r.resources.map((any) => ({ any })), removed: [], mode: 'SotW' });
      }
    } catch (err) {
      this.options.onMalformed(String(err));
    }
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.call.removeAllListeners('data');
    this.options.onClose(reason);
    this.client.close();
  }

  private node(): EnvoyJson | undefined {
    if (this.options.nodeOnFirstMessageOnly && this.nodeSent) return undefined;
    this.nodeSent = true;
    return this.options.node;
  }

  /** Sends a SotW DiscoveryRequest. */
  sendSotw(request: SotwRequest): void {
    if (this.closed) return;
    const node = this.node();
    this.call.write(
      encodeDiscoveryRequest({
        version_info: request.versionInfo,
        resource_names: [...request.names],
        type_url: request.typeUrl,
        response_nonce: request.nonce,
        ...(node === undefined ? {} : { node }),
        ...(request.error === undefined ? {} : { error_detail: request.error }),
      }),
    );
  }

  /** Sends a DeltaDiscoveryRequest. */
  sendDelta(request: DeltaRequest): void {
    if (this.closed) return;
    const node = this.node();
    this.call.write(
      encodeDeltaRequest({
        type_url: request.typeUrl,
        resource_names_subscribe: [...request.subscribe],
        resource_names_unsubscribe: [...request.unsubscribe],
        initial_resource_versions: request.initialVersions,
        response_nonce: request.nonce,
        ...(node === undefined ? {} : { node }),
        ...(request.error === undefined ? {} : { error_detail: request.error }),
      }),
    );
  }

  /** Cancels the stream (no onClose callback). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.call.removeAllListeners();
    this.call.on('error', () => undefined);
    this.call.cancel();
    this.client.close();
  }
}
