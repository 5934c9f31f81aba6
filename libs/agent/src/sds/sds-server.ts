// The agent's SDS server (envoy.service.secret.v3.SecretDiscoveryService) on the workload-identity unix socket:
// StreamSecrets (SotW), DeltaSecrets and FetchSecrets, serving `default` and `ROOTCA` from the SecretCache and
// pushing new versions when the certificate rotates. If another provider (e.g. SPIRE) already listens on the
// socket, the agent leaves it alone, as upstream does.
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { Server, ServerCredentials, status, type ServerDuplexStream, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { decodeDeltaRequest, decodeDiscoveryRequest, encodeDeltaResponse, encodeDiscoveryResponse } from '@mesh/xds';
import type { Logger } from '@mesh/telemetry';
import type { SecretCache, WorkloadSecret } from './secret-cache.ts';
import { DeltaSecretStream, SotwSecretStream } from './sds-streams.ts';

/** Upstream's socket path, relative to the agent root. */
export const DEFAULT_SDS_SOCKET = './var/run/secrets/workload-spiffe-uds/socket';

const SERVICE = '/envoy.service.secret.v3.SecretDiscoveryService';
const raw = (b: Buffer): Buffer => b;
const toBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function method(name: string, streaming: boolean) {
  return {
    path: `${SERVICE}/${name}`,
    requestStream: streaming,
    responseStream: streaming,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: toBuffer,
    responseDeserialize: raw,
    originalName: name,
  };
}

/** SecretDiscoveryService with raw-bytes codecs (decoding happens in the handlers). */
export const secretDiscoveryServiceDefinition = {
  StreamSecrets: method('StreamSecrets', true),
  DeltaSecrets: method('DeltaSecrets', true),
  FetchSecrets: method('FetchSecrets', false),
};

export interface SdsServerOptions {
  /** Absolute socket path. */
  socketPath: string;
  cache: SecretCache;
  logger?: Logger;
  /** How long FetchSecrets waits for the first certificate (default 10 s). */
  fetchTimeoutMs?: number;
}

export interface SdsServer {
  readonly socketPath: string;
  readonly activeStreams: number;
  close(): Promise<void>;
}

type Duplex = ServerDuplexStream<Buffer, Uint8Array>;

/** True when something accepts connections on the unix socket. */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts the SDS server; resolves to undefined (and logs) when another SDS provider already serves the socket.
 * A stale socket file left by a previous agent is replaced.
 */
export async function startSdsServer(o: SdsServerOptions): Promise<SdsServer | undefined> {
  const log = o.logger;
  if (existsSync(o.socketPath)) {
    if (await socketInUse(o.socketPath)) {
      log?.info({ socketPath: o.socketPath }, 'sds: a workload identity socket is already served by another provider; not starting SDS');
      return undefined;
    }
    rmSync(o.socketPath, { force: true });
  }
  mkdirSync(dirname(o.socketPath), { recursive: true });

  const pushers = new Set<(s: WorkloadSecret) => void>();
  const live = new Set<Duplex>();
  let nextId = 0;
  const onUpdate = (s: WorkloadSecret): void => pushers.forEach((push) => push(s));
  o.cache.on('update', onUpdate);

  /** Wires one bidirectional stream: `handle` answers a request, `onSecret` a rotation (both return bytes or nothing). */
  function serve(kind: 'sotw' | 'delta', handle: (bytes: Buffer) => { kind: string; detail?: string; bytes?: Uint8Array }, onSecret: (s: WorkloadSecret) => Uint8Array | undefined) {
    return (call: Duplex): void => {
      const slog = log?.child({ stream: ++nextId, mode: kind });
      live.add(call);
      const push = (s: WorkloadSecret): void => {
        const bytes = onSecret(s);
        if (!bytes) return;
        call.write(bytes);
        slog?.info({ generation: s.generation }, 'sds: pushed rotated secret');
      };
      pushers.add(push);
      const done = (): void => {
        pushers.delete(push);
        live.delete(call);
      };
      call.on('data', (bytes: Buffer) => {
        let result;
        try {
          result = handle(bytes);
        } catch (err) {
          slog?.warn({ err: (err as Error).message }, 'sds: malformed request');
          done();
          call.emit('error', { code: status.INVALID_ARGUMENT, details: `malformed SDS request: ${(err as Error).message}` });
          return;
        }
        if (result.kind === 'nack') slog?.warn({ error: result.detail }, 'sds: Envoy rejected a secret (NACK)');
        else if (result.kind === 'subscribe') slog?.info({ resources: result.detail }, 'sds: subscribe');
        if (result.bytes) call.write(result.bytes);
      });
      call.on('end', () => {
        done();
        call.end();
      });
      call.on('error', done);
      call.on('cancelled', done);
    };
  }

  const server = new Server();
  server.addService(secretDiscoveryServiceDefinition, {
    StreamSecrets: (call: Duplex) => {
      const st = new SotwSecretStream();
      const handle = (bytes: Buffer) => {
        const req = decodeDiscoveryRequest(bytes);
        const r = st.onRequest(req, o.cache.current());
        return { kind: r.kind, detail: r.kind === 'nack' ? req.error_detail?.message : req.resource_names.join(','), ...(r.response ? { bytes: encodeDiscoveryResponse(r.response) } : {}) };
      };
      serve('sotw', handle, (s) => {
        const res = st.respond(s, true);
        return res ? encodeDiscoveryResponse(res) : undefined;
      })(call);
    },
    DeltaSecrets: (call: Duplex) => {
      const st = new DeltaSecretStream();
      const handle = (bytes: Buffer) => {
        const req = decodeDeltaRequest(bytes);
        const r = st.onRequest(req, o.cache.current());
        return { kind: r.kind, detail: r.kind === 'nack' ? req.error_detail?.message : [...st.subscribed].join(','), ...(r.response ? { bytes: encodeDeltaResponse(r.response) } : {}) };
      };
      serve('delta', handle, (s) => {
        const res = st.respond(s);
        return res ? encodeDeltaResponse(res) : undefined;
      })(call);
    },
    FetchSecrets: (call: ServerUnaryCall<Buffer, Uint8Array>, cb: sendUnaryData<Uint8Array>) => {
      let req;
      try {
        req = decodeDiscoveryRequest(call.request);
      } catch (err) {
        cb({ code: status.INVALID_ARGUMENT, details: `malformed SDS request: ${(err as Error).message}` });
        return;
      }
      const st = new SotwSecretStream();
      st.names = [...req.resource_names].sort();
      let answered = false;
      const timer = setTimeout(() => {
        answered = true;
        cb({ code: status.UNAVAILABLE, details: 'no workload certificate yet' });
      }, o.fetchTimeoutMs ?? 10_000);
      void o.cache.ready().then((s) => {
        clearTimeout(timer);
        if (answered) return;
        const res = st.respond(s);
        if (res) cb(null, encodeDiscoveryResponse(res));
        else cb({ code: status.NOT_FOUND, details: `unknown secrets ${JSON.stringify(req.resource_names)}: want default or ROOTCA` });
      });
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${o.socketPath}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  log?.info({ socketPath: o.socketPath }, 'sds: listening');
  return {
    socketPath: o.socketPath,
    get activeStreams() {
      return live.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        o.cache.off('update', onUpdate);
        for (const call of live) call.end();
        const timer = setTimeout(() => server.forceShutdown(), 1000);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          rmSync(o.socketPath, { force: true });
          resolve();
        });
      }),
  };
}
