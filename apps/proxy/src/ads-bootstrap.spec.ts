// Acceptance: mesh-proxy started from an Istio-style bootstrap (ADS over a unix socket, SotW and Delta) serves
// what the ADS server in the test pushes, reports readiness, and NACKs invalid resources naming them.
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { AdsServer, StaticProvider, TypeUrl, type AdsNackEvent } from '@mesh/xds';
import { freePort, spawnApp, waitFor } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

for (const apiType of ['GRPC', 'DELTA_GRPC'] as const) {
  describe(`mesh-proxy with ADS (${apiType}) over a unix socket`, () => {
    let dir: string;
    let ads: AdsServer;
    const provider = new StaticProvider();
    let proxy: ChildProcess;
    let upstream: http.Server;
    let adminPort: number;
    let listenerPort: number;
    const nacks: AdsNackEvent[] = [];

    const listener = (route: string) => ({
      name: 'outbound_http',
      address: { socket_address: { address: '127.0.0.1', port_value: listenerPort } },
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: 'outbound_http', rds: { route_config_name: route, config_source: { ads: {}, resource_api_version: 'V3' } }, http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }] } }] }],
    });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mesh-proxy-ads-'));
      ads = new AdsServer({ provider });
      ads.on('nack', (n) => nacks.push(n));
      await ads.listen(`unix:${join(dir, 'XDS')}`);
      upstream = http.createServer((req, res) => res.end(`backend ${req.url}`));
      await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
      const upPort = (upstream.address() as { port: number }).port;
      [adminPort, listenerPort] = [await freePort(), await freePort()];
      provider.set(TypeUrl.Cluster, { backend: { name: 'backend', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } } });
      provider.set(TypeUrl.ClusterLoadAssignment, { backend: { cluster_name: 'backend', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upPort } } } }] }] } });
      provider.set(TypeUrl.Listener, { outbound_http: listener('80') });
      provider.set(TypeUrl.RouteConfiguration, { '80': { name: '80', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'backend' } }] }] } });
      const bootstrap = {
        node: { id: 'sidecar~127.0.0.1~app.default~default.svc.cluster.local', cluster: 'app.default', metadata: { NAMESPACE: 'default' } },
        admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
        dynamic_resources: {
          lds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
          cds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
          ads_config: { api_type: apiType, set_node_on_first_message_only: true, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
        },
        static_resources: {
          clusters: [
            {
              name: 'xds-grpc',
              type: 'STATIC',
              connect_timeout: '1s',
              load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: join(dir, 'XDS') } } } }] }] },
              typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } },
            },
          ],
        },
      };
      writeFileSync(join(dir, 'envoy-rev.json'), JSON.stringify(bootstrap));
      proxy = spawnApp('mesh-proxy', ['-c', join(dir, 'envoy-rev.json'), '--drain-time-s', '45', '--drain-strategy', 'immediate', '--local-address-ip-version', 'v4', '--file-flush-interval-msec', '1000', '--disable-hot-restart', '--allow-unknown-static-fields', '-l', 'warning', '--concurrency', '2']);
      await waitFor(async () => (await get(adminPort, '/ready')).status === 200, 20_000, 100);
    });

    afterAll(async () => {
      proxy.kill('SIGTERM');
      await new Promise((r) => (proxy.exitCode === null ? proxy.once('exit', r) : r(null)));
      await ads.close();
      await new Promise((r) => upstream.close(r));
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves the pushed listener, route, cluster and endpoints', async () => {
      const r = await get(listenerPort, '/hello');
      expect(r).toEqual({ status: 200, body: 'backend /hello' });
      const stats = (await get(adminPort, '/stats')).body;
      expect(stats).toMatch(/^listener_manager\.lds\.update_success: [1-9]/m);
      expect(stats).toMatch(/^listener_manager\.workers_started: 1$/m);
    });

    it('applies updates and NACKs an invalid route naming resource and field, keeping the last good one', async () => {
      provider.set(TypeUrl.RouteConfiguration, { '80': { name: '80', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 204 } }] }] } });
      ads.push({ types: [TypeUrl.RouteConfiguration] });
      await waitFor(async () => (await get(listenerPort, '/x')).status === 204, 10_000, 50);
      provider.set(TypeUrl.RouteConfiguration, { '80': { name: '80', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { safe_regex: { regex: '([' } }, route: { cluster: 'backend' } }] }] } });
      ads.push({ types: [TypeUrl.RouteConfiguration] });
      await waitFor(() => nacks.length > 0, 10_000, 50);
      expect(nacks[0]?.message).toContain('RouteConfiguration "80": virtual_hosts[0].routes[0].match.safe_regex.regex: invalid regex');
      expect((await get(listenerPort, '/x')).status).toBe(204);
    });
  });
}
