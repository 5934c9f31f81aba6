import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, connect } from 'node:net';
import { Server as GrpcServer, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@mesh/testing';
import { decodeHealthService, encodeHealthStatus, healthService } from '../probes/grpc-probe.ts';
import { parseAppProbers } from '../probes/probe-types.ts';
import { httpGet } from './envoy-readiness.ts';
import { parsePrometheusAnnotations } from './merged-metrics.ts';
import { startStatusServer, type StatusServer } from './status-server.ts';

let app: HttpServer;
let admin: HttpServer;
let tcp: TcpServer;
let grpc: GrpcServer;
let status: StatusServer;
let appPort = 0;
let tcpPort = 0;
let grpcPort = 0;
let adminPort = 0;
let proxyReady = false;
let appHealthy = true;

function listen(s: HttpServer | TcpServer): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));
}

beforeAll(async () => {
  app = createHttpServer((req, res) => {
    if (req.url === '/healthz') {
      res.statusCode = appHealthy ? 200 : 503;
      res.end(appHealthy ? 'fine' : 'sick');
    } else if (req.url === '/app-metrics') {
      res.end('# TYPE app_orders_total counter\napp_orders_total 7\n# EOF\n');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  appPort = await listen(app);
  tcp = createTcpServer((s) => s.end());
  tcpPort = await listen(tcp);
  admin = createHttpServer((req, res) => {
    if (req.url?.startsWith('/stats/prometheus')) {
      res.end('# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n');
    } else if (req.url?.startsWith('/stats')) {
      const ready = proxyReady ? 1 : 0;
      res.end(`server.state: ${proxyReady ? 0 : 2}\nlistener_manager.workers_started: 1\ncluster_manager.cds.update_success: 1\nlistener_manager.lds.update_success: ${ready}\n`);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  adminPort = await listen(admin);
  grpc = new GrpcServer();
  grpc.addService(healthService, {
    check: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
      const svc = decodeHealthService(call.request);
      cb(null, encodeHealthStatus(svc === 'down' ? 2 : 1));
    },
  });
  grpcPort = await freePort();
  await new Promise<void>((r, j) => grpc.bindAsync(`127.0.0.1:${grpcPort}`, ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));

  const probers = parseAppProbers(
    JSON.stringify({
      '/app-health/web/readyz': { httpGet: { path: '/healthz', port: appPort }, timeoutSeconds: 1 },
      '/app-health/web/livez': { tcpSocket: { port: tcpPort }, timeoutSeconds: 1 },
      '/app-health/web/startupz': { grpc: { port: grpcPort, service: null }, timeoutSeconds: 1 },
      '/app-health/down/readyz': { grpc: { port: grpcPort, service: 'down' }, timeoutSeconds: 1 },
      '/app-health/closed/livez': { tcpSocket: { port: 1 }, timeoutSeconds: 1 },
    }),
  );
  status = await startStatusServer({
    port: 0,
    host: '127.0.0.1',
    adminPort,
    probers,
    probeTarget: { host: '127.0.0.1' },
    appMetrics: parsePrometheusAnnotations(JSON.stringify({ scrape: 'true', port: String(appPort), path: '/app-metrics' }))!,
    agentMetrics: async () => '# TYPE istio_agent_up gauge\nistio_agent_up 1\n',
  });
});

afterAll(async () => {
  await status?.close();
  grpc?.forceShutdown();
  for (const s of [app, admin, tcp]) s?.close();
});

const url = (p: string): string => `http://127.0.0.1:${status.port}${p}`;

describe('status server :15020', () => {
  it('answers app HTTP, TCP and gRPC probes through /app-health', async () => {
    expect((await httpGet(url('/app-health/web/readyz'), 3000)).status).toBe(200);
    appHealthy = false;
    expect((await httpGet(url('/app-health/web/readyz'), 3000)).status).toBe(500);
    appHealthy = true;
    expect((await httpGet(url('/app-health/web/livez'), 3000)).status).toBe(200);
    expect((await httpGet(url('/app-health/closed/livez'), 3000)).status).toBe(500);
    expect((await httpGet(url('/app-health/web/startupz'), 3000)).status).toBe(200);
    expect((await httpGet(url('/app-health/down/readyz'), 3000)).status).toBe(500);
    expect((await httpGet(url('/app-health/nope/readyz'), 3000)).status).toBe(404);
  });

  it('reports readiness from the proxy stats', async () => {
    proxyReady = false;
    const notReady = await httpGet(url('/healthz/ready'), 3000);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatch(/not live|config not received/);
    proxyReady = true;
    expect((await httpGet(url('/healthz/ready'), 3000)).status).toBe(200);
  });

  it('merges proxy, app and agent metrics', async () => {
    const res = await httpGet(url('/stats/prometheus'), 3000);
    expect(res.status).toBe(200);
    expect(res.body).toContain('envoy_server_live{} 1');
    expect(res.body).toContain('app_orders_total 7');
    expect(res.body).toContain('istio_agent_up 1');
    expect(res.body).not.toContain('# EOF');
  });

  it('survives malformed requests and refuses remote-only verbs', async () => {
    await new Promise<void>((resolve) => {
      const s = connect(status.port, '127.0.0.1', () => s.write('GARBAGE \x00\x01 nonsense\r\n\r\n'));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    expect((await httpGet(url('/quitquitquit'), 3000)).status).toBe(405);
    expect((await httpGet(url('/%%%'), 3000)).status).toBe(404);
    expect((await httpGet(url('/healthz/ready'), 3000)).status).toBe(200);
  });

  it('rejects bad probe configuration with the path and field', () => {
    expect(() => parseAppProbers('{"/app-health/a/readyz": {"httpGet": {"port": "http"}}}')).toThrow(/\/app-health\/a\/readyz.*port/);
    expect(() => parseAppProbers('{"/x": {"tcpSocket": {"port": 1}}}')).toThrow(/path must look like/);
  });
});
