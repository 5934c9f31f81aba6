// A scriptable SecretDiscoveryService for the client's tests: a real gRPC server on a unix socket that records
// every request (decoded) and sends whatever responses the test writes, on SotW and Delta streams.
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { rmSync } from 'node:fs';
import {
  decodeDeltaRequest,
  decodeDiscoveryRequest,
  encodeDeltaResponse,
  encodeDiscoveryResponse,
  packAny,
  TypeUrl,
  type DeltaDiscoveryRequest,
  type DiscoveryRequest,
  type EnvoyJson,
} from '@mesh/xds';
import { sdsServiceDefinition } from './sds-service.ts';

type Duplex = ServerDuplexStream<Buffer, Uint8Array>;

/** A Secret resource with a validation context holding `ca` (any text: the tests' validator decides). */
export function rootSecret(name: string, ca: string): EnvoyJson {
  return { '@type': TypeUrl.Secret, name, validation_context: { trusted_ca: { inline_string: ca } } };
}

/** The test server. */
export class TestSdsServer {
  readonly socketPath: string;
  readonly sotw: DiscoveryRequest[] = [];
  readonly delta: DeltaDiscoveryRequest[] = [];
  private server: Server | undefined;
  private calls = new Set<Duplex>();
  private nonce = 0;
  private waiters: Array<() => void> = [];

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  /** Binds the socket (again, after stop()). */
  async start(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    const server = new Server();
    const track = (call: Duplex, onData: (b: Buffer) => void): void => {
      this.calls.add(call);
      call.on('data', (b: Buffer) => {
        onData(b);
        this.waiters.splice(0).forEach((w) => w());
      });
      call.on('end', () => call.end());
      const done = (): boolean => this.calls.delete(call);
      call.on('error', done);
      call.on('cancelled', done);
      call.on('close', done);
    };
    server.addService(sdsServiceDefinition, {
      StreamSecrets: (call: Duplex) => track(call, (b) => this.sotw.push(decodeDiscoveryRequest(b))),
      DeltaSecrets: (call: Duplex) => track(call, (b) => this.delta.push(decodeDeltaRequest(b))),
    });
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${this.socketPath}`, ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
    this.server = server;
  }

  /** Resolves when `check` holds after some request arrived (or already holds). */
  async until(check: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Sends a SotW response on every open stream; returns its nonce. */
  sendSotw(version: string, secrets: EnvoyJson[]): string {
    const nonce = `n${++this.nonce}`;
    const bytes = encodeDiscoveryResponse({ version_info: version, resources: secrets.map((s) => packAny(s)), type_url: TypeUrl.Secret, nonce });
    for (const c of this.calls) c.write(bytes);
    return nonce;
  }

  /** Sends a Delta response on every open stream; returns its nonce. */
  sendDelta(secrets: Array<{ version: string; secret: EnvoyJson }>, removed: string[] = []): string {
    const nonce = `n${++this.nonce}`;
    const bytes = encodeDeltaResponse({
      system_version_info: '',
      resources: secrets.map((s) => ({ name: String(s.secret['name']), version: s.version, resource: packAny(s.secret) })),
      type_url: TypeUrl.Secret,
      removed_resources: removed,
      nonce,
    });
    for (const c of this.calls) c.write(bytes);
    return nonce;
  }

  /** Open streams. */
  get streams(): number {
    return this.calls.size;
  }

  /** Drops every connection and the socket, as a crashed server would. */
  async stop(): Promise<void> {
    this.calls.clear();
    this.server?.forceShutdown();
    this.server = undefined;
    rmSync(this.socketPath, { force: true });
    await new Promise((r) => setTimeout(r, 20));
  }
}
