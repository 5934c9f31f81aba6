// Test helper: gRPC echo servers on loopback (@grpc/grpc-js) that answer /test.Echo/Say with their own identity, and
// can fail a request with UNAVAILABLE for its first N attempts (to observe a client's retries).
import * as grpc from '@grpc/grpc-js';

export const echoMethod = '/test.Echo/Say';

const echoService = {
  Say: {
    path: echoMethod,
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
} satisfies grpc.ServiceDefinition;

export interface EchoServer {
  identity: string;
  port: number;
  /** Attempts seen per request key (payload `fail:<key>:<n>`). */
  attempts: Map<string, number>;
  /** Every call this server answered or failed. */
  calls: number;
  close(): void;
}

/**
 * Starts an echo server that replies with `identity`. A payload `fail:<key>:<n>` makes it answer UNAVAILABLE to the
 * first n attempts carrying that key and succeed afterwards.
 */
export async function startEchoServer(identity: string): Promise<EchoServer> {
  const server = new grpc.Server();
  const attempts = new Map<string, number>();
  const echo: EchoServer = { identity, port: 0, attempts, calls: 0, close: () => server.forceShutdown() };
  server.addService(echoService, {
    Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      echo.calls++;
      const m = /^fail:([^:]+):(\d+)$/.exec(call.request.toString());
      if (m) {
        const key = m[1]!;
        const seen = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, seen);
        if (seen <= Number(m[2])) {
          callback({ code: grpc.status.UNAVAILABLE, details: `${identity}: attempt ${seen} fails` });
          return;
        }
      }
      callback(null, Buffer.from(identity));
    },
  });
  echo.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err))),
  );
  return echo;
}
