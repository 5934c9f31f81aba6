import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  ChannelCredentials,
  Client,
  credentials as grpcCredentials,
  Metadata,
  Server,
  ServerCredentials,
  status as grpcStatus,
  type ClientDuplexStream,
  type ServerDuplexStream,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Logger } from '@mesh/telemetry';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService';
const passthrough = (b: Buffer): Buffer => b;

/** Both ADS methods with byte-for-byte codecs: the relay never decodes DiscoveryRequest/Response. */
function method(name: string): ServiceDefinition[string] {
  return {
    path: `${ADS}/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: passthrough,
    requestDeserialize: passthrough,
    responseSerialize: passthrough,
    responseDeserialize: passthrough,
    originalName: name,
  } as ServiceDefinition[string];
}

/** The ADS service definition used by the relay (and by tests that play istiod). */
export const adsPassthroughService: ServiceDefinition = {
  StreamAggregatedResources: method('StreamAggregatedResources'),
  DeltaAggregatedResources: method('DeltaAggregatedResources'),
};

/** Options for the agent's local xDS server. */
export interface XdsProxyOptions {
  /** Socket path; relative paths are resolved against `root` (upstream: ./etc/istio/proxy/XDS). */
  socketPath?: string;
  root?: string;
  /** istiod's discovery address, host:port. */
  discoveryAddress: string;
  /** Channel credentials to istiod; plaintext when omitted (15010). */
  upstreamCredentials?: ChannelCredentials;
  /** Adds per-call metadata upstream, e.g. `authorization: Bearer <token>` for 15012. */
  upstreamMetadata?: () => Metadata | Promise<Metadata>;
  /** Extra gRPC channel options for the upstream connection (e.g. TLS target name override). */
  upstreamChannelOptions?: Record<string, string | number>;
  logger?: Logger;
}

/** Default socket path relative to the agent's root, as in upstream. */
export const DEFAULT_XDS_SOCKET = './etc/istio/proxy/XDS';

/** A running relay. */
export interface XdsProxy {
  readonly socketPath: string;
  /** Streams currently relayed. */
  readonly activeStreams: number;
  /** True once any upstream stream has received a response from istiod. */
  readonly upstreamConnected: boolean;
  close(): Promise<void>;
}

type Duplex = ServerDuplexStream<Buffer, Buffer>;

/**
 * Starts a gRPC server on a unix socket that relays each ADS stream (SotW and Delta) 1:1 to
 * istiod: every request goes up unchanged, every response comes down unchanged, and the end or
 * failure of either side ends the other with the same status.
 */
export async function startXdsProxy(o: XdsProxyOptions): Promise<XdsProxy> {
  const socketPath = resolve(o.root ?? '.', o.socketPath ?? DEFAULT_XDS_SOCKET);
  mkdirSync(dirname(socketPath), { recursive: true });
  rmSync(socketPath, { force: true });
  const upstream = new Client(o.discoveryAddress, o.upstreamCredentials ?? grpcCredentials.createInsecure(), {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    ...(o.upstreamChannelOptions ?? {}),
  });
  let active = 0;
  let connected = false;
  let nextId = 0;
  const live = new Set<Duplex>();

  const relay = (name: string) => (down: Duplex): void => {
    const id = ++nextId;
    active++;
    live.add(down);
    const log = o.logger?.child({ stream: id, method: name });
    log?.info('xds stream opened');
    let finished = false;
    let up: ClientDuplexStream<Buffer, Buffer> | undefined;
    const finish = (err?: ServiceError | { code: number; details: string }): void => {
      if (finished) return;
      finished = true;
      active--;
      live.delete(down);
      up?.cancel();
      if (err && err.code !== grpcStatus.OK) {
        log?.warn({ code: err.code, details: err.details }, 'xds stream closed with error');
        // grpc-js turns an 'error' event on a server stream into the call's final status
        down.emit('error', Object.assign(new Error(err.details), { code: err.code, details: err.details }));
      } else {
        log?.info('xds stream closed');
        down.end();
      }
    };
    void (async () => {
      const md = o.upstreamMetadata ? await o.upstreamMetadata() : new Metadata();
      if (finished) return;
      up = upstream.makeBidiStreamRequest<Buffer, Buffer>(`${ADS}/${name}`, passthrough, passthrough, md);
      up.on('data', (msg: Buffer) => {
        connected = true;
        if (!finished) down.write(msg);
      });
      up.on('error', (err: ServiceError) => finish(err.code === grpcStatus.CANCELLED && finished ? undefined : err));
      up.on('end', () => finish());
      down.on('data', (msg: Buffer) => up?.write(msg));
      down.on('end', () => up?.end());
    })().catch((err: unknown) => finish({ code: grpcStatus.UNAVAILABLE, details: `upstream: ${String(err)}` }));
    down.on('error', () => finish({ code: grpcStatus.CANCELLED, details: 'downstream error' }));
    down.on('cancelled', () => finish({ code: grpcStatus.CANCELLED, details: 'downstream cancelled' }));
  };

  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(adsPassthroughService, {
    StreamAggregatedResources: relay('StreamAggregatedResources'),
    DeltaAggregatedResources: relay('DeltaAggregatedResources'),
  });
  await new Promise<void>((res, rej) =>
    server.bindAsync(`unix://${socketPath}`, ServerCredentials.createInsecure(), (err) => (err ? rej(err) : res())),
  );
  o.logger?.info({ socketPath, upstream: o.discoveryAddress }, 'xds proxy listening');
  return {
    socketPath,
    get activeStreams() {
      return active;
    },
    get upstreamConnected() {
      return connected;
    },
    close: () =>
      new Promise<void>((res) => {
        for (const d of live) d.destroy();
        upstream.close();
        server.tryShutdown(() => {
          rmSync(socketPath, { force: true });
          res();
        });
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
