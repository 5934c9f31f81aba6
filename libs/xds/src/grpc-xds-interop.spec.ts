// Interoperability: @grpc/grpc-js-xds's own xDS client (proxyless gRPC, in a child process) resolves a service
// through our AdsServer (LDS api_listener → RDS → CDS → EDS) and its calls reach the endpoints we push.
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdsServer } from './ads-server.ts';
import { StaticProvider } from './static-provider.ts';
import { TypeUrl } from './type-urls.ts';

const echoPath = '/test.Echo/Say';
const echoService = {
  Say: {
    path: echoPath,
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
} satisfies grpc.ServiceDefinition;

/** A gRPC backend that answers with its own name. */
async function startBackend(name: string): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(echoService, {
    Say: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(name)),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err))),
  );
  return { port, server };
}

const cla = (port: number) => ({
  cluster_name: 'echo-eds',
  endpoints: [
    {
      locality: { region: 'local' },
      load_balancing_weight: 1,
      lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }],
    },
  ],
});

describe('@grpc/grpc-js-xds against AdsServer', () => {
  const provider = new StaticProvider();
  const server = new AdsServer({ provider });
  const backends: grpc.Server[] = [];
  let child: ChildProcess | undefined;
  const lines: string[] = [];
  let secondPort = 0;

  beforeAll(async () => {
    const first = await startBackend('backend-1');
    const second = await startBackend('backend-2');
    backends.push(first.server, second.server);
    secondPort = second.port;
    provider
      .set(TypeUrl.Listener, {
        'echo.test': {
          name: 'echo.test',
          api_listener: {
            api_listener: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              rds: { route_config_name: 'echo-route', config_source: { ads: {} } },
              http_filters: [{ name: 'router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
            },
          },
        },
      })
      .set(TypeUrl.RouteConfiguration, {
        'echo-route': { name: 'echo-route', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: 'echo-cluster' } }] }] },
      })
      .set(TypeUrl.Cluster, {
        'echo-cluster': { name: 'echo-cluster', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: 'echo-eds' }, lb_policy: 'ROUND_ROBIN' },
      })
      .set(TypeUrl.ClusterLoadAssignment, { 'echo-eds': cla(first.port) });
    const { port } = await server.listen('127.0.0.1:0');
    const bootstrap = {
      xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'proxyless~127.0.0.1~client.default~default.svc.cluster.local', locality: {} },
    };
    const script = fileURLToPath(new URL('../testdata/grpc-xds-client.mjs', import.meta.url));
    child = spawn(process.execPath, [script, JSON.stringify(bootstrap), 'xds:///echo.test'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
    });
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await server.close();
    for (const backend of backends) backend.forceShutdown();
  });

  const last = (): string | undefined => lines[lines.length - 1];

  it('resolves LDS → RDS → CDS → EDS, ACKs every type, and follows an EDS-only push', async () => {
    await expect.poll(last, { timeout: 15_000, interval: 100 }).toBe('ok backend-1');
    const types = server.connections()[0]?.types ?? [];
    for (const typeUrl of [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration]) {
      const status = types.find((t) => t.typeUrl === typeUrl);
      expect(status?.ackedNonce, typeUrl).toBe(status?.sentNonce);
      expect(status?.lastNack, typeUrl).toBeUndefined();
    }
    provider.set(TypeUrl.ClusterLoadAssignment, { 'echo-eds': cla(secondPort) });
    server.push({ types: [TypeUrl.ClusterLoadAssignment] });
    await expect.poll(last, { timeout: 10_000, interval: 100 }).toBe('ok backend-2');
  });
});
