// Test helper: an SDS client on the unix socket (SotW or Delta) that records decoded Secret resources.
import { makeGenericClientConstructor, credentials, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  decodeDeltaResponse,
  decodeDiscoveryResponse,
  encodeDeltaRequest,
  encodeDiscoveryRequest,
  unpackAny,
  TypeUrl,
  type DeltaDiscoveryResponse,
  type DiscoveryResponse,
  type EnvoyJson,
} from '@mesh/xds';
import { secretDiscoveryServiceDefinition } from './sds-server.ts';

const SdsClient = makeGenericClientConstructor(secretDiscoveryServiceDefinition, 'SecretDiscoveryService');

/** Decoded secret: name plus the PEM text of each inline field. */
export interface DecodedSecret {
  name: string;
  certChain?: string;
  privateKey?: string;
  trustedCa?: string;
}

/** Decodes a packed Secret into PEM strings. */
export function decodeSecret(json: EnvoyJson): DecodedSecret {
  const pem = (v: unknown) => Buffer.from(String((v as { inline_bytes?: string } | undefined)?.inline_bytes ?? ''), 'base64').toString();
  const tc = json['tls_certificate'] as Record<string, unknown> | undefined;
  const vc = json['validation_context'] as Record<string, unknown> | undefined;
  return {
    name: String(json['name']),
    ...(tc ? { certChain: pem(tc['certificate_chain']), privateKey: pem(tc['private_key']) } : {}),
    ...(vc ? { trustedCa: pem(vc['trusted_ca']) } : {}),
  };
}

abstract class Queue<T> {
  readonly received: T[] = [];
  private waiters: ((r: T) => void)[] = [];
  ended: Error | undefined;

  protected deliver(r: T): void {
    this.received.push(r);
    const w = this.waiters.shift();
    w?.(r);
  }

  /** The next response (one not yet taken), or a rejection after `ms`. */
  next(ms = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no SDS response within ${ms} ms${this.ended ? ` (stream ended: ${this.ended.message})` : ''}`));
      }, ms);
      const waiter = (r: T) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiters.push(waiter);
    });
  }
}

/** A StreamSecrets client. */
export class SotwSdsClient extends Queue<DiscoveryResponse> {
  readonly client: Client;
  readonly call: ClientDuplexStream<Buffer, Buffer>;

  constructor(socketPath: string) {
    super();
    this.client = new SdsClient(`unix://${socketPath}`, credentials.createInsecure());
    this.call = (this.client as unknown as { StreamSecrets: () => ClientDuplexStream<Buffer, Buffer> }).StreamSecrets();
    this.call.on('data', (b: Buffer) => this.deliver(decodeDiscoveryResponse(b)));
    this.call.on('error', (e: Error) => (this.ended = e));
  }

  request(names: string[], last?: DiscoveryResponse): void {
    this.call.write(
      Buffer.from(encodeDiscoveryRequest({ type_url: TypeUrl.Secret, resource_names: names, version_info: last?.version_info ?? '', response_nonce: last?.nonce ?? '', node: { id: 'sidecar~127.0.0.1~a.default~default.svc.cluster.local' } })),
    );
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** A DeltaSecrets client. */
export class DeltaSdsClient extends Queue<DeltaDiscoveryResponse> {
  readonly client: Client;
  readonly call: ClientDuplexStream<Buffer, Buffer>;

  constructor(socketPath: string) {
    super();
    this.client = new SdsClient(`unix://${socketPath}`, credentials.createInsecure());
    this.call = (this.client as unknown as { DeltaSecrets: () => ClientDuplexStream<Buffer, Buffer> }).DeltaSecrets();
    this.call.on('data', (b: Buffer) => this.deliver(decodeDeltaResponse(b)));
    this.call.on('error', (e: Error) => (this.ended = e));
  }

  send(subscribe: string[], nonce = '', unsubscribe: string[] = []): void {
    this.call.write(
      Buffer.from(encodeDeltaRequest({ type_url: TypeUrl.Secret, resource_names_subscribe: subscribe, resource_names_unsubscribe: unsubscribe, initial_resource_versions: {}, response_nonce: nonce })),
    );
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** Secrets of a SotW response, decoded. */
export function secretsOf(r: DiscoveryResponse | DeltaDiscoveryResponse): DecodedSecret[] {
  const packed = 'version_info' in r ? r.resources : r.resources.map((x) => x.resource!).filter(Boolean);
  return packed.map((p) => decodeSecret(unpackAny(p)));
}
