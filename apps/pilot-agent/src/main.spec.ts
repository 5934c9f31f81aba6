import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, Server, ServerCredentials, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adsPassthroughService, encodeHealthStatus, healthService, httpGet } from '@mesh/agent';
import { freePort, repoRoot, spawnApp, waitFor } from '@mesh/testing';

const fakeProxy = join(repoRoot, 'libs/agent/testdata/fake-proxy.mjs');
let root: string;
let agent: ChildProcess;
let exit: Promise<number | null>;
let output = '';
let istiod: Server;
let grpcApp: Server;
let app: HttpServer;
let tcpApp: TcpServer;
const probeSources: string[] = [];
const ports = { admin: 0, status: 0, data: 0, istiod: 0, app: 0, tcp: 0, grpc: 0 };

function listen(s: HttpServer | TcpServer): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pilot-agent-'));
  for (const k of ['admin', 'status', 'data', 'istiod', 'grpc'] as const) ports[k] = await freePort();
  istiod = new Server();
  const echo = (call: ServerDuplexStream<Buffer, Buffer>): void => {
    call.on('data', (b: Buffer) => call.write(Buffer.concat([Buffer.from('istiod:'), b])));
    call.on('end', () => call.end());
  };
  istiod.addService(adsPassthroughService, { StreamAggregatedResources: echo, DeltaAggregatedResources: echo });
  await new Promise<void>((r, j) => istiod.bindAsync(`127.0.0.1:${ports.istiod}`, ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
  grpcApp = new Server();
  grpcApp.addService(healthService, { check: (_c: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => cb(null, encodeHealthStatus(1)) });
  await new Promise<void>((r, j) => grpcApp.bindAsync(`127.0.0.1:${ports.grpc}`, ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
  app = createHttpServer((req, res) => {
    if (req.url === '/health') probeSources.push(req.socket.remoteAddress ?? '');
    res.end(req.url === '/metrics' ? '# TYPE app_hits_total counter\napp_hits_total 3\n' : 'ok');
  });
  ports.app = await listen(app);
  tcpApp = createTcpServer((s) => s.end());
  ports.tcp = await listen(tcpApp);

  agent = spawnApp('pilot-agent', ['proxy', 'sidecar', '--root', root, '--statusHost', '127.0.0.1', '--meshConfig', join(root, 'none')], {
    env: {
      ...process.env,
      POD_NAME: 'productpage-v1-abc',
      POD_NAMESPACE: 'default',
      INSTANCE_IP: '127.0.0.1',
      SERVICE_ACCOUNT: 'bookinfo-productpage',
      ISTIO_META_CLUSTER_ID: 'Kubernetes',
      ISTIO_METAJSON_LABELS: '{"app":"productpage","version":"v1"}',
      FAKE_DATA_PORT: String(ports.data),
      PROXY_CONFIG: JSON.stringify({
        binaryPath: fakeProxy,
        proxyAdminPort: ports.admin,
        statusPort: ports.status,
        discoveryAddress: `127.0.0.1:${ports.istiod}`,
        controlPlaneAuthPolicy: 'NONE',
        drainDuration: '1s',
        terminationDrainDuration: '1s',
      }),
      ISTIO_KUBE_APP_PROBERS: JSON.stringify({
        '/app-health/productpage/readyz': { httpGet: { path: '/health', port: ports.app }, timeoutSeconds: 1 },
        '/app-health/productpage/livez': { tcpSocket: { port: ports.tcp }, timeoutSeconds: 1 },
        '/app-health/productpage/startupz': { grpc: { port: ports.grpc }, timeoutSeconds: 1 },
      }),
      ISTIO_PROMETHEUS_ANNOTATIONS: JSON.stringify({ scrape: 'true', port: String(ports.app), path: '/metrics' }),
    },
  });
  agent.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  agent.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  exit = new Promise((r) => agent.once('exit', (code) => r(code)));
  await waitFor(async () => (await httpGet(`http://127.0.0.1:${ports.status}/healthz/ready`, 300)).status === 200, 20_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${output}`);
  });
});

afterAll(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  istiod?.forceShutdown();
  grpcApp?.forceShutdown();
  app?.close();
  tcpApp?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const status = (p: string) => httpGet(`http://127.0.0.1:${ports.status}${p}`, 3000);

describe('pilot-agent proxy sidecar', () => {
  it('writes the bootstrap with the node identity and the xDS socket', () => {
    const b = JSON.parse(readFileSync(join(root, 'etc/istio/proxy/envoy-rev.json'), 'utf8'));
    expect(b.node.id).toBe('sidecar~127.0.0.1~productpage-v1-abc.default~default.svc.cluster.local');
    expect(b.node.cluster).toBe('productpage.default');
    expect(b.node.metadata.SERVICE_ACCOUNT).toBe('bookinfo-productpage');
    expect(b.node.metadata.NAMESPACE).toBe('default');
    const xds = b.static_resources.clusters.find((c: { name: string }) => c.name === 'xds-grpc');
    expect(xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.pipe.path).toBe(join(root, 'etc/istio/proxy/XDS'));
    expect(existsSync(join(root, 'etc/istio/proxy/XDS'))).toBe(true);
  });

  it('relays ADS from the unix socket to istiod', async () => {
    const client = new Client(`unix://${join(root, 'etc/istio/proxy/XDS')}`, credentials.createInsecure());
    const id = (b: Buffer): Buffer => b;
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>(
      '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
      id,
      id,
      new Metadata(),
    );
    stream.write(Buffer.from('hello'));
    const reply = await new Promise<Buffer>((r, j) => {
      stream.once('data', r);
      stream.once('error', j);
    });
    expect(reply.toString()).toBe('istiod:hello');
    stream.end();
    client.close();
  });

  it('answers HTTP, TCP and gRPC app probes on the status port', async () => {
    for (const kind of ['readyz', 'livez', 'startupz']) {
      expect((await status(`/app-health/productpage/${kind}`)).status).toBe(200);
    }
    expect((await status('/app-health/other/readyz')).status).toBe(404);
    // sent from 127.0.0.6 so the capture rules let the probe reach the app directly
    expect(probeSources).toContain('127.0.0.6');
  });

  it('serves merged agent, proxy and app metrics', async () => {
    const m = await status('/stats/prometheus');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/istio_agent_process_cpu_seconds_total/);
    expect(m.body).toMatch(/envoy_server_live\{\} 1/);
    expect(m.body).toMatch(/app_hits_total 3/);
  });

  // a timing assertion on a shared 2-core machine: retried so a load spike does not fail the run
  it('brings a killed proxy back within 1 s', { retry: 2 }, async () => {
    const before = await httpGet(`http://127.0.0.1:${ports.data}/slow?ms=0`, 1000);
    const pid = Number(/from (\d+)/.exec(before.body)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    let newPid = 0;
    await waitFor(async () => {
      const r = await httpGet(`http://127.0.0.1:${ports.data}/slow?ms=0`, 200);
      newPid = Number(/from (\d+)/.exec(r.body)?.[1]);
      return newPid > 0 && newPid !== pid;
    }, 3000, 10);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    const m = await status('/stats/prometheus');
    expect(m.body).toMatch(/istio_agent_proxy_restarts_total [1-9]/);
  });

  it('on SIGTERM lets in-flight requests finish, then exits 0', async () => {
    const inFlight = httpGet(`http://127.0.0.1:${ports.data}/slow?ms=500`, 5000);
    await new Promise((r) => setTimeout(r, 50));
    agent.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/ok after 500 ms/);
    expect(await exit).toBe(0);
    expect(output).toMatch(/draining proxy before exit/);
  });
});
