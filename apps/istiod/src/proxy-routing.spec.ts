// Acceptance (issue 3, point 3): our proxy (mesh-proxy) as productpage's sidecar, configured by istiod over ADS,
// routes the Bookinfo request-routing and traffic-shifting tasks as upstream documents them, with upstream's YAML
// unchanged. The reviews/ratings replicas run on their own loopback addresses (pods 127.0.77.x:9080). Without
// iptables the outbound 0.0.0.0_9080 listener gets no traffic, so the bootstrap binds a test listener whose HTTP
// connection manager takes istiod's route "9080" over ADS — the same route table that listener uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, spawnApp, waitFor } from '@mesh/testing';
import { IstiodProcess } from './istiod-process.test-util.ts';

const bookinfo = resolve(repoRoot, '../shared/istio/bookinfo');
const replicas = [
  { pod: 'reviews-v1-0', app: 'reviews', version: 'v1', ip: '127.0.77.11' },
  { pod: 'reviews-v2-0', app: 'reviews', version: 'v2', ip: '127.0.77.12' },
  { pod: 'reviews-v3-0', app: 'reviews', version: 'v3', ip: '127.0.77.13' },
  { pod: 'ratings-v1-0', app: 'ratings', version: 'v1', ip: '127.0.77.20' },
];

interface Reviews {
  podname: string;
  reviews: { rating?: { color?: string } }[];
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
  });
}

describe('mesh-proxy as a sidecar configured by istiod: Bookinfo request routing and traffic shifting', () => {
  let dir: string;
  let proxyDir: string;
  let istiod: IstiodProcess | undefined;
  let proxy: ChildProcess | undefined;
  let proxyLog = '';
  const apps: ChildProcess[] = [];
  let listenerPort = 0;
  let adminPort = 0;

  /** Which reviews version answered a request through the proxy (with the stars color check of the task). */
  async function reviewsVersion(headers: Record<string, string> = {}): Promise<string> {
    const r = await get(listenerPort, '/reviews/0', { host: 'reviews:9080', ...headers });
    if (r.status !== 200) return `status ${r.status}`;
    const body = JSON.parse(r.body) as Reviews;
    const version = /^reviews-(v\d)-0$/.exec(body.podname)?.[1] ?? body.podname;
    const color = body.reviews[0]?.rating?.color;
    // v1 shows no stars, v2 black, v3 red: the body must agree with the pod that sent it.
    const expected = { v1: undefined, v2: 'black', v3: 'red' }[version];
    if (color !== expected) return `${version} with color ${color}`;
    return version;
  }

  /** Waits until a request gets `version` (the new routing step took effect); on timeout, says where it stopped. */
  async function waitForVersion(version: string, headers: Record<string, string> = {}): Promise<void> {
    try {
      await waitFor(async () => (await reviewsVersion(headers)) === version, 10_000, 50);
    } catch {
      const configz = await (await fetch(`http://127.0.0.1:${istiod!.ports.http}/debug/configz`)).text();
      const dump = await (await fetch(`http://127.0.0.1:${adminPort}/config_dump`)).text();
      const route = /"name":"9080".{0,1500}/.exec(dump)?.[0];
      throw new Error(
        `no ${version} answer within 10 s (last: ${await reviewsVersion(headers)})\nistiod reviews VS: ${/"name":"reviews".{0,600}/.exec(configz)?.[0]}\n` +
          `proxy route 9080: ${route}\nistiod log tail: ${istiod!.logs.slice(-2500)}\nproxy log tail: ${proxyLog.slice(-1500)}`,
      );
    }
  }

  async function tally(n: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const v = await reviewsVersion(headers);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Replaces the routing config with an upstream file, as `kubectl apply` of that task step would. Written in place:
   * Node's recursive fs.watch on Linux (which the file source uses) misses most replace-by-rename updates.
   */
  function applyUpstream(file: string): void {
    copyFileSync(join(bookinfo, 'networking', file), join(dir, 'vs.yaml'));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'istiod-proxy-'));
    // Services, DestinationRules and the first routing step: upstream files, unchanged.
    copyFileSync(join(bookinfo, 'platform/kube/bookinfo.yaml'), join(dir, 'bookinfo.yaml'));
    copyFileSync(join(bookinfo, 'networking/destination-rule-all.yaml'), join(dir, 'destination-rule-all.yaml'));
    applyUpstream('virtual-service-all-v1.yaml');
    const pods = replicas.map((r) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: r.pod, namespace: 'default', labels: { app: r.app, version: r.version } },
      spec: { containers: [{ name: r.app, image: r.app, ports: [{ containerPort: 9080 }] }] },
      status: { phase: 'Running', podIP: r.ip, conditions: [{ type: 'Ready', status: 'True' }] },
    }));
    writeFileSync(join(dir, 'pods.yaml'), pods.map((p) => stringify(p)).join('---\n'));

    for (const r of replicas) {
      const child = spawn(process.execPath, [join(repoRoot, 'e2e/bookinfo/src/main.ts'), r.app, '--port', '9080', '--host', r.ip, '--version', r.version], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOSTNAME: r.pod, RATINGS_HOSTNAME: '127.0.77.20', RATINGS_SERVICE_PORT: '9080' },
      });
      apps.push(child);
    }
    await waitFor(async () => {
      for (const r of replicas) if ((await new Promise<number>((ok) => http.get(`http://${r.ip}:9080/health`, (res) => { res.resume(); ok(res.statusCode ?? 0); }).on('error', () => ok(0)))) !== 200) return false;
      return true;
    }, 20_000, 100);

    istiod = new IstiodProcess({ configDir: dir });
    const ports = await istiod.start();
    adminPort = await freePort();
    listenerPort = await freePort();
    const bootstrap = {
      node: {
        id: 'sidecar~127.0.77.5~productpage-v1-0.default~default.svc.cluster.local',
        cluster: 'productpage.default',
        metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage', version: 'v1' }, ISTIO_VERSION: '1.32.0', CLUSTER_ID: 'Kubernetes', INSTANCE_IPS: '127.0.77.5' },
      },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
      dynamic_resources: {
        // CDS (and EDS) from istiod; no LDS: this test must not bind the sidecar's 15001/15006 on the host.
        cds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
        ads_config: { api_type: 'GRPC', set_node_on_first_message_only: true, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
      },
      static_resources: {
        listeners: [
          {
            name: 'test_outbound_9080',
            address: { socket_address: { address: '127.0.0.1', port_value: listenerPort } },
            filter_chains: [
              {
                filters: [
                  {
                    name: 'envoy.filters.network.http_connection_manager',
                    typed_config: {
                      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                      stat_prefix: 'outbound_0.0.0.0_9080',
                      rds: { route_config_name: '9080', config_source: { ads: {}, resource_api_version: 'V3' } },
                      http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
                    },
                  },
                ],
              },
            ],
          },
        ],
        clusters: [
          {
            name: 'xds-grpc',
            type: 'STATIC',
            connect_timeout: '1s',
            load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ports.grpc } } } }] }] },
            typed_extension_protocol_options: {
              'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } },
            },
          },
        ],
      },
    };
    // Not in istiod's config dir: the file source would try to read it as Kubernetes YAML.
    proxyDir = mkdtempSync(join(tmpdir(), 'istiod-proxy-bootstrap-'));
    writeFileSync(join(proxyDir, 'envoy-rev.json'), JSON.stringify(bootstrap));
    proxy = spawnApp('mesh-proxy', ['-c', join(proxyDir, 'envoy-rev.json'), '-l', 'warning']);
    proxy.stdout!.on('data', (d: Buffer) => (proxyLog += d.toString()));
    proxy.stderr!.on('data', (d: Buffer) => (proxyLog += d.toString()));
    // Ready once the route, clusters and endpoints arrived: reviews answers through the proxy.
    await waitFor(async () => (await reviewsVersion()) === 'v1', 30_000, 200).catch((err: unknown) => {
      throw new Error(`proxy never routed reviews: ${String(err)}\n${proxyLog.slice(-3000)}\n${istiod?.logs.slice(-3000)}`);
    });
  }, 90_000);

  afterAll(async () => {
    if (proxy && proxy.exitCode === null) {
      const exited = new Promise((r) => proxy!.once('exit', r));
      proxy.kill('SIGTERM');
      await exited;
    }
    await istiod?.close();
    for (const a of apps) a.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (proxyDir) rmSync(proxyDir, { recursive: true, force: true });
  });

  it('virtual-service-all-v1: every request goes to reviews v1', async () => {
    expect(await tally(30)).toEqual({ v1: 30 });
  });

  it('virtual-service-reviews-test-v2: end-user jason gets v2, everyone else v1', async () => {
    applyUpstream('virtual-service-reviews-test-v2.yaml');
    await waitForVersion('v2', { 'end-user': 'jason' });
    expect(await tally(30, { 'end-user': 'jason' })).toEqual({ v2: 30 });
    expect(await tally(30, { 'end-user': 'someone-else' })).toEqual({ v1: 30 });
    expect(await tally(10)).toEqual({ v1: 10 });
  });

  it('virtual-service-reviews-50-v3: half v1, half v3 (±10 % over 200)', async () => {
    applyUpstream('virtual-service-reviews-50-v3.yaml');
    await waitForVersion('v3');
    const counts = await tally(200);
    console.log(`50/50 over 200: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v3']);
    expect(counts['v1']).toBeGreaterThanOrEqual(80);
    expect(counts['v1']).toBeLessThanOrEqual(120);
  });

  it('virtual-service-reviews-80-20: 80 % v1, 20 % v2 (±10 % over 200)', async () => {
    applyUpstream('virtual-service-reviews-80-20.yaml');
    await waitForVersion('v2');
    const counts = await tally(200);
    console.log(`80/20 over 200: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v2']);
    expect(counts['v1']).toBeGreaterThanOrEqual(140);
    expect(counts['v1']).toBeLessThanOrEqual(180);
  });

  it('the proxy accepted every push (istiod logged no NACK)', () => {
    expect(istiod!.logs).toContain('push: debounce stable');
    expect(istiod!.logs).not.toContain('NACK');
    expect(istiod!.logs).not.toContain('config: file source error');
  });
});
