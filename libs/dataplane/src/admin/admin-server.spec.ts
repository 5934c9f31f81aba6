// Integration: the admin API over a runtime fed by ADS (dynamic resources) and static names.
import http from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, cla, edsCluster, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';
import { AdminServer, type ServerState } from './admin-server.ts';

describe('admin API', () => {
  let h: MeshHarness;
  let echo: Echo;
  let admin: AdminServer;
  let port: number;
  let state: ServerState = 'LIVE';
  let level = 'info';
  let quits = 0;

  beforeAll(async () => {
    h = await MeshHarness.start();
    echo = await startEcho('e');
    await h.set({
      clusters: { 'outbound|80||e.default.svc.cluster.local': edsCluster('outbound|80||e.default.svc.cluster.local') },
      endpoints: { 'outbound|80||e.default.svc.cluster.local': cla('outbound|80||e.default.svc.cluster.local', [echo.port]) },
      listeners: { http: httpListener('http', 0, { rds: '80' }) },
      routes: { '80': routeConfig('80', [{ match: { prefix: '/' }, route: { cluster: 'outbound|80||e.default.svc.cluster.local' } }]) },
    });
    admin = new AdminServer({
      runtime: h.runtime,
      bootstrap: { node: { id: 'sidecar~1.2.3.4~p.ns~ns.svc.cluster.local' } },
      node: { id: 'sidecar~1.2.3.4~p.ns~ns.svc.cluster.local', cluster: 'p.ns' },
      staticNames: { listeners: new Set(), clusters: new Set(), secrets: new Set() },
      commandLine: { concurrency: 2 },
      log: pino({ level: 'silent' }),
      state: () => state,
      setLogLevel: (l) => (level = l),
      logLevel: () => level,
      drain: (inbound) => h.runtime.drainListeners(inbound),
      quit: () => void quits++,
    });
    port = await admin.listen('127.0.0.1', 0);
    await request(h.port('http'), '/warm');
  });

  afterAll(async () => {
    await admin.close();
    await h.close();
    await echo.close();
  });

  it('config_dump has Envoy ConfigDump shape with dynamic resources; mask and include_eds work', async () => {
    const all = JSON.parse((await request(port, '/config_dump')).body) as { configs: Record<string, unknown>[] };
    expect(all.configs.map((c) => String(c['@type']).split('.').pop())).toEqual(['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'ScopedRoutesConfigDump', 'RoutesConfigDump', 'SecretsConfigDump']);
    const masked = JSON.parse((await request(port, '/config_dump?mask=dynamic_active_clusters')).body) as { configs: { dynamic_active_clusters: { version_info: string; cluster: { '@type': string; name: string } }[] }[] };
    expect(masked.configs).toHaveLength(1);
    const c = masked.configs[0]?.dynamic_active_clusters[0];
    expect(c?.cluster['@type']).toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster');
    expect(c?.cluster.name).toBe('outbound|80||e.default.svc.cluster.local');
    expect(c?.version_info).not.toBe('');
    const listeners = JSON.parse((await request(port, '/config_dump?mask=dynamic_listeners')).body) as { configs: { dynamic_listeners: { name: string; active_state: { listener: { name: string } } }[] }[] };
    expect(listeners.configs[0]?.dynamic_listeners[0]?.active_state.listener.name).toBe('http');
    const eds = JSON.parse((await request(port, '/config_dump?include_eds')).body) as { configs: { '@type': string; dynamic_endpoint_configs?: { endpoint_config: { cluster_name: string } }[] }[] };
    const ep = eds.configs.find((x) => x['@type'].endsWith('EndpointsConfigDump'));
    expect(ep?.dynamic_endpoint_configs?.[0]?.endpoint_config.cluster_name).toBe('outbound|80||e.default.svc.cluster.local');
  });

  it('/clusters in text and JSON with host stats', async () => {
    const text = (await request(port, '/clusters')).body;
    expect(text).toContain(`outbound|80||e.default.svc.cluster.local::127.0.0.1:${echo.port}::rq_total::1`);
    expect(text).toContain(`outbound|80||e.default.svc.cluster.local::127.0.0.1:${echo.port}::health_flags::healthy`);
    const json = JSON.parse((await request(port, '/clusters?format=json')).body) as { cluster_statuses: { name: string; added_via_api: boolean; host_statuses: { address: { socket_address: { port_value: number } }; health_status: { eds_health_status: string } }[] }[] };
    const cs = json.cluster_statuses[0];
    expect(cs?.name).toBe('outbound|80||e.default.svc.cluster.local');
    expect(cs?.added_via_api).toBe(true);
    expect(cs?.host_statuses[0]?.address.socket_address.port_value).toBe(echo.port);
    expect(cs?.host_statuses[0]?.health_status.eds_health_status).toBe('HEALTHY');
  });

  it('/stats filters, /stats/prometheus tags cluster names, /ready and /server_info follow the state', async () => {
    const stats = (await request(port, '/stats?filter=^cluster_manager')).body;
    expect(stats.split('\n').filter(Boolean).every((l) => l.startsWith('cluster_manager.'))).toBe(true);
    expect(stats).toMatch(/cluster_manager\.cds\.update_success: [1-9]/);
    const prom = (await request(port, '/stats/prometheus')).body;
    expect(prom).toContain('envoy_cluster_upstream_rq_total{envoy_cluster_name="outbound|80||e.default.svc.cluster.local"} 1');
    expect(prom).toContain('envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="http"} 1');
    expect((await request(port, '/ready')).status).toBe(200);
    state = 'INITIALIZING';
    const notReady = await request(port, '/ready');
    expect([notReady.status, notReady.body.trim()]).toEqual([503, 'INITIALIZING']);
    const info = JSON.parse((await request(port, '/server_info')).body) as { state: string; node: { id: string }; command_line_options: { concurrency: number } };
    expect(info.state).toBe('INITIALIZING');
    expect(info.node.id).toBe('sidecar~1.2.3.4~p.ns~ns.svc.cluster.local');
    expect((await request(port, '/stats?filter=server.state')).body).toContain('server.state: 3');
    state = 'LIVE';
  });

  it('/listeners, /logging, /drain_listeners and /quitquitquit', async () => {
    const ls = (await request(port, '/listeners')).body;
    expect(ls).toBe(`http::127.0.0.1:${h.port('http')}\n`);
    expect((await request(port, '/logging?level=debug')).status).toBe(405);
    const lg = await request(port, '/logging?level=debug', { method: 'POST' });
    expect(lg.status).toBe(200);
    expect(level).toBe('debug');
    expect((await request(port, '/logging?level=loud', { method: 'POST' })).status).toBe(400);
    const listenerPort = h.port('http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const viaAgent = (): Promise<string | undefined> =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: listenerPort, path: '/ka', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers.connection));
        }).on('error', reject);
      });
    expect(await viaAgent()).toBe('keep-alive');
    expect((await request(port, '/drain_listeners', { method: 'POST' })).status).toBe(200);
    // Established connections finish their request and are told to close; new connections are refused.
    expect(await viaAgent()).toBe('close');
    agent.destroy();
    await expect(request(listenerPort, '/after-drain')).rejects.toThrow();
    await request(port, '/quitquitquit', { method: 'POST' });
    await new Promise((r) => setTimeout(r, 20));
    expect(quits).toBe(1);
  });
});
