// istiod as a process: file source with Bookinfo, ADS to a sidecar, a config change reaching it, invalid config
// skipped, webhooks answering (and surviving malformed bodies), metrics and readiness.
import { type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApp, waitFor } from '@mesh/testing';
import { TypeUrl, type EnvoyJson } from '@mesh/xds';
import { AdsProbe, resourcesByName } from './ads-probe.test-util.ts';

const shared = join(import.meta.dirname, '../../../../shared/istio/bookinfo');
let dir: string;
let proc: ChildProcess;
let ports: { grpc: number; http: number; monitoring: number; https: number };
let logs = '';

/** Pods for each Deployment in bookinfo.yaml, as the local runner would register them. */
function bookinfoPods(): string {
  const docs = parseAllDocuments(readFileSync(join(shared, 'platform/kube/bookinfo.yaml'), 'utf8')).map((d) => d.toJS() as EnvoyJson);
  let ip = 10;
  return docs
    .filter((d) => d?.['kind'] === 'Deployment')
    .map((d) => {
      const md = d['metadata'] as { name: string };
      const tpl = (d['spec'] as { template: { metadata: { labels: Record<string, string> }; spec: unknown } }).template;
      return JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${md.name}-0`, namespace: 'default', labels: tpl.metadata.labels },
        spec: tpl.spec,
        status: { phase: 'Running', podIP: `10.250.0.${ip++}`, conditions: [{ type: 'Ready', status: 'True' }] },
      });
    })
    .join('\n---\n');
}

function post(path: string, body: string, contentType = 'application/json'): Promise<{ status: number; json: EnvoyJson | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: ports.https, path, method: 'POST', rejectUnauthorized: false, headers: { 'content-type': contentType } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json: EnvoyJson | undefined;
        try {
          json = JSON.parse(text) as EnvoyJson;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const node = {
  id: 'sidecar~10.250.0.15~productpage-v1-0.default~default.svc.cluster.local',
  cluster: 'productpage.default',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage', version: 'v1' }, ISTIO_VERSION: '1.32.0', CLUSTER_ID: 'Kubernetes' },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'istiod-'));
  copyFileSync(join(shared, 'platform/kube/bookinfo.yaml'), join(dir, 'bookinfo.yaml'));
  writeFileSync(join(dir, 'pods.yaml'), bookinfoPods());
  copyFileSync(join(shared, 'networking/destination-rule-all.yaml'), join(dir, 'destination-rule-all.yaml'));
  copyFileSync(join(shared, 'networking/virtual-service-all-v1.yaml'), join(dir, 'vs.yaml'));
  proc = spawnApp('istiod', ['--configDir', dir, '--grpcAddr', '127.0.0.1:0', '--secureGRPCAddr', '127.0.0.1:0', '--httpAddr', '127.0.0.1:0', '--monitoringAddr', '127.0.0.1:0', '--httpsAddr', '127.0.0.1:0']);
  proc.stdout!.on('data', (d) => (logs += d));
  proc.stderr!.on('data', (d) => (logs += d));
  await waitFor(() => /"istiod: ready"/.test(logs), 30_000);
  const line = logs.split('\n').find((l) => l.includes('istiod: ready'))!;
  ports = (JSON.parse(line) as { ports: typeof ports }).ports;
}, 60_000);

afterAll(() => {
  proc?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}-security`, { recursive: true, force: true }); // local mode's default CA folder
});

describe('istiod (file source)', () => {
  it('is ready and exposes pilot metrics', async () => {
    expect((await fetch(`http://127.0.0.1:${ports.http}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.monitoring}/metrics`)).text();
    expect(metrics).toMatch(/pilot_services 4/);
  });

  it('serves a sidecar the Bookinfo clusters and routes, and pushes a VirtualService change within 1 s', async () => {
    const ads = new AdsProbe(`127.0.0.1:${ports.grpc}`, node);
    try {
      const cds = await ads.request(TypeUrl.Cluster);
      const clusters = resourcesByName(cds);
      expect([...clusters.keys()]).toEqual(expect.arrayContaining(['outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080||reviews.default.svc.cluster.local', 'PassthroughCluster', 'BlackHoleCluster']));
      const eds = ads.request(TypeUrl.ClusterLoadAssignment, ['outbound|9080|v2|reviews.default.svc.cluster.local'], undefined);
      ads.ack(cds);
      const edsResp = await eds;
      const cla = resourcesByName(edsResp).get('outbound|9080|v2|reviews.default.svc.cluster.local')!;
      expect(JSON.stringify(cla)).toContain('10.250.0.');
      const lds = await ads.request(TypeUrl.Listener);
      expect([...resourcesByName(lds).keys()]).toEqual(expect.arrayContaining(['virtualOutbound', 'virtualInbound', '0.0.0.0_9080']));
      ads.ack(lds);
      const rds = await ads.request(TypeUrl.RouteConfiguration, ['9080']);
      const route = (r: typeof rds) => JSON.stringify(resourcesByName(r).get('9080'));
      expect(route(rds)).toContain('outbound|9080|v1|reviews.default.svc.cluster.local');
      expect(route(rds)).not.toContain('outbound|9080|v3|reviews.default.svc.cluster.local');

      // The change: reviews to v3 (upstream's traffic-shifting file).
      const nextRds = ads.next(TypeUrl.RouteConfiguration, 5000);
      ads.ack(rds, ['9080']);
      const started = Date.now();
      copyFileSync(join(shared, 'networking/virtual-service-reviews-v3.yaml'), join(dir, 'vs-reviews.yaml'));
      rmSync(join(dir, 'vs.yaml'));
      let latest = await nextRds;
      while (!route(latest).includes('outbound|9080|v3|reviews')) {
        const again = ads.next(TypeUrl.RouteConfiguration, 5000);
        ads.ack(latest, ['9080']);
        latest = await again;
      }
      const elapsed = Date.now() - started;
      console.log(`VirtualService change reached the proxy in ${elapsed} ms`);
      expect(elapsed).toBeLessThan(1000);
    } finally {
      ads.close();
    }
  });

  it('skips invalid config with the resource and field path in its log, and keeps serving', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: broken\nspec:\n  hosts: [ratings]\n  http:\n  - route:\n    - destination: {host: ratings}\n      weight: -5\n',
    );
    await waitFor(() => logs.includes('config: invalid, skipped'), 5000);
    const line = logs.split('\n').find((l) => l.includes('config: invalid, skipped'))!;
    expect(line).toContain('VirtualService/default/broken');
    expect(line).toContain('spec.http[0].route[0].weight');
    const status = (await (await fetch(`http://127.0.0.1:${ports.http}/debug/push_status`)).json()) as { rejectedConfigs: { key: string }[] };
    expect(status.rejectedConfigs.map((r) => r.key)).toContain('VirtualService/default/broken');
    expect((await fetch(`http://127.0.0.1:${ports.http}/ready`)).status).toBe(200);
    rmSync(join(dir, 'bad.yaml'));
  });

  it('answers the validation webhook, and malformed bodies get a 400 without harming the server', async () => {
    const review = (object: unknown) => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', operation: 'CREATE', object } });
    const bad = await post('/validate', review({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x', namespace: 'default' }, spec: { hosts: ['r'], http: [{ route: [{ destination: { host: 'r' }, weight: -1 }] }] } }));
    expect(bad.status).toBe(200);
    const resp = bad.json!['response'] as { allowed: boolean; uid: string; status: { message: string } };
    expect(resp.allowed).toBe(false);
    expect(resp.uid).toBe('u1');
    expect(resp.status.message).toContain('spec.http[0].route[0].weight');
    const good = await post('/validate', review({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x', namespace: 'default' }, spec: { hosts: ['r'], http: [{ route: [{ destination: { host: 'r' } }] }] } }));
    expect((good.json!['response'] as { allowed: boolean }).allowed).toBe(true);
    expect((await post('/validate', '{not json')).status).toBe(400);
    expect((await post('/inject', '')).status).toBe(400);
    expect((await post('/inject', '{}', 'text/plain')).status).toBe(415);
    const inject = await post('/inject', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'p1', namespace: 'default', operation: 'CREATE', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } } }));
    const ir = inject.json!['response'] as { allowed: boolean; patch: string };
    expect(ir.allowed).toBe(true);
    const patch = Buffer.from(ir.patch, 'base64').toString();
    expect(patch).toContain('istio-proxy');
    expect(patch).toContain('istio-init');
  });
});
