// A generic ADS server (envoy.service.discovery.v3.AggregatedDiscoveryService, SotW and Delta) over @grpc/grpc-js.
//
// Usage:
//   const provider = new StaticProvider();                 // or any { generate(conn, typeUrl, names) }
//   provider.set(TypeUrl.Cluster, new Map([['c1', { name: 'c1', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }]]));
//   const server = new AdsServer({ provider, logger });
//   const { port } = await server.listen('127.0.0.1:0');    // or server.listen('unix:/run/xds.sock')
//   server.on('nack', (e) => ...);                           // connect, disconnect, ack, nack, response
//   server.push();                                           // or push({ types: [TypeUrl.ClusterLoadAssignment] })
//   server.connections();                                    // per-connection status for /debug/syncz
//   await server.close();
//
// The server asks the provider for a connection's resources when the proxy subscribes and on every push, and
// sends only what changed (per connection, per type), in push order CDS, EDS, LDS, RDS, SDS. Resources are
// treated as immutable: return new objects for changed resources.
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { AdsConnection, type AdsServerContext } from './ads-connection.ts';
import { adsServiceDefinition, type AdsServerStream } from './ads-service.ts';
import {
  silentLogger,
  type AdsConnectionStatus,
  type AdsMode,
  type AdsProvider,
  type AdsServerEvents,
  type PushFilter,
  type XdsLogger,
} from './ads-types.ts';
import { DeltaStream } from './delta-stream.ts';
import { sharedEncodingCache } from './resource-encoding.ts';
import { decodeDeltaRequest, decodeDiscoveryRequest } from './discovery-wire.ts';
import { SotwStream } from './sotw-stream.ts';
import { WriteBudget } from './write-budget.ts';

/** Options of an AdsServer. */
export interface AdsServerOptions {
  readonly provider: AdsProvider;
  readonly logger?: XdsLogger;
  /** control_plane.identifier sent in every response (istiod sends a JSON with its pod name). */
  readonly controlPlaneId?: string;
  /** Largest accepted request (default 4 MiB, like ISTIO_GPRC_MAXRECVMSGSIZE). */
  readonly maxReceiveMessageBytes?: number;
  /** Bytes of responses being written at once across all streams (default 16 MiB; one response always goes). */
  readonly writeBudgetBytes?: number;
}

type StreamHandler = SotwStream | DeltaStream;

/** The ADS server: owns a gRPC server (or is added to one) and tracks every stream. */
export class AdsServer extends EventEmitter<AdsServerEvents> {
  private readonly options: AdsServerOptions;
  private readonly logger: XdsLogger;
  private readonly streams = new Set<StreamHandler>();
  private grpcServer: grpc.Server | undefined;
  private versionCounter = 0;
  private currentVersion: string;
  private readonly context: AdsServerContext;

  constructor(options: AdsServerOptions) {
    super();
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.currentVersion = this.nextVersion();
    this.context = {
      provider: options.provider,
      logger: this.logger,
      events: this,
      version: () => this.currentVersion,
      controlPlaneId: options.controlPlaneId,
      writeBudget: new WriteBudget(options.writeBudgetBytes),
    };
  }

  private nextVersion(): string {
    this.versionCounter++;
    return `${new Date().toISOString()}/${this.versionCounter}`;
  }

  /** Registers both ADS RPCs on an existing gRPC server (for a server that also hosts other services). */
  addTo(server: grpc.Server): void {
    server.addService(adsServiceDefinition, {
      StreamAggregatedResources: (call: AdsServerStream) => this.handleStream('SotW', call),
      DeltaAggregatedResources: (call: AdsServerStream) => this.handleStream('Delta', call),
    });
  }

  /** Starts a gRPC server on `host:port` (port 0 picks one) or `unix:/path`; resolves to the bound port (0 for unix). */
  async listen(address: string, credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure()): Promise<{ port: number }> {
    if (this.grpcServer !== undefined) throw new Error('AdsServer is already listening');
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
      'grpc.max_send_message_length': -1,
      'grpc.max_concurrent_streams': 100_000,
    });
    this.addTo(server);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, credentials, (err, boundPort) => (err === null ? resolve(boundPort) : reject(err)));
    });
    this.grpcServer = server;
    this.logger.info({ address, port }, 'ads: listening');
    return { port: address.startsWith('unix:') ? 0 : port };
  }

  /** Regenerates and sends what changed to the matching connections (a new push version). */
  push(filter: PushFilter = {}): void {
    this.currentVersion = this.nextVersion();
    sharedEncodingCache.rotate();
    const types = filter.types === undefined ? undefined : new Set(filter.types);
    for (const stream of this.streams) {
      const conn = stream.conn;
      if (filter.connection !== undefined && !filter.connection(conn.info())) continue;
      conn.schedulePush(types, filter.force === true, (ordered, force) => stream.push(ordered, force));
    }
  }

  /** The status of every connected stream. */
  connections(): AdsConnectionStatus[] {
    return [...this.streams].map((s) => s.conn.status());
  }

  /** The push version the next response will carry. */
  version(): string {
    return this.currentVersion;
  }

  /** Resolves once every stream queued so far has finished its pending work (useful in tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.streams].map((s) => s.conn.drained()));
  }

  /** Stops accepting streams, cancels open ones and releases the port or socket. */
  async close(): Promise<void> {
    const server = this.grpcServer;
    this.grpcServer = undefined;
    for (const stream of this.streams) stream.conn.close();
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 1000);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
      // Open ADS streams never end on their own: cancel them so tryShutdown can finish.
      for (const stream of this.streams) stream.conn.cancel?.();
    });
  }

  private handleStream(mode: AdsMode, call: AdsServerStream): void {
    const conn = new AdsConnection(this.context, mode, call.getPeer());
    const stream: StreamHandler = mode === 'SotW' ? new SotwStream(conn, call) : new DeltaStream(conn, call);
    conn.cancel = () => call.end();
    let announced = false;
    const finish = (reason: string): void => {
      if (!this.streams.delete(stream)) return;
      conn.close();
      this.logger.info({ conn: conn.id, mode, reason }, 'ads: disconnected');
      if (announced) this.emit('disconnect', conn.status());
    };
    this.streams.add(stream);
    call.on('data', (bytes: Buffer) => {
      if (conn.closed) return;
      try {
        if (stream instanceof SotwStream) stream.onRequest(decodeDiscoveryRequest(bytes));
        else stream.onRequest(decodeDeltaRequest(bytes));
      } catch (err) {
        this.logger.warn({ conn: conn.id, err: String(err) }, 'ads: malformed request; closing stream');
        finish('malformed request');
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: `malformed discovery request: ${String(err)}` });
        return;
      }
      if (!announced) {
        announced = true;
        this.logger.info({ conn: conn.id, mode, peer: conn.peer }, 'ads: connected');
        this.emit('connect', conn.status());
      }
    });
    call.on('end', () => {
      finish('client closed');
      call.end();
    });
    call.on('cancelled', () => finish('cancelled'));
    call.on('error', (err: Error) => finish(`error: ${err.message}`));
    call.on('close', () => finish('closed'));
  }
}
