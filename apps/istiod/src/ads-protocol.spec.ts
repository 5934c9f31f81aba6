// Acceptance (issue 3, point 2): istiod's ADS protocol seen from a raw client, SotW and Delta: ACK, NACK (no resend,
// reported in syncz, metrics and logs), nonces that are unknown or stale, resource removal, and reconnecting to a
// restarted istiod that changed config while it was down.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@mesh/testing';
import { TypeUrl, type EnvoyJson } from '@mesh/xds';
import { DeltaProbe, deltaResources, deltaVersions } from './ads-delta-probe.test-util.ts';
import { AdsProbe, resourcesByName } from './ads-probe.test-util.ts';
import { IstiodProcess } from './istiod-process.test-util.ts';

let dir: string;
let istiod: IstiodProcess;
let ip = 20;

const cluster = (svc: string) => `outbound|8080||${svc}.default.svc.cluster.local`;

/** Writes `<svc>.yaml`: a Service and one ready Pod behind it. */
function addService(svc: string): void {
  const podIP = `10.251.0.${ip++}`;
  const docs = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: svc, namespace: 'default' }, spec: { clusterIP: `10.96.1.${ip}`, selector: { app: svc }, ports: [{ name: 'http', port: 8080 }] } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${svc}-0`, namespace: 'default', labels: { app: svc } },
      spec: { containers: [{ name: 'app', image: 'app', ports: [{ containerPort: 8080 }] }] },
      status: { phase: 'Running', podIP, conditions: [{ type: 'Ready', status: 'True' }] },
    },
  ];
  writeFileSync(join(dir, `${svc}.yaml`), docs.map((d) => stringify(d)).join('---\n'));
}

function removeService(svc: string): void {
  rmSync(join(dir, `${svc}.yaml`));
}

function sidecar(pod: string): EnvoyJson {
  return {
    id: `sidecar~10.251.1.${ip++}~${pod}.default~default.svc.cluster.local`,
    cluster: `${pod}.default`,
    metadata: { NAMESPACE: 'default', LABELS: { app: pod }, ISTIO_VERSION: '1.32.0', CLUSTER_ID: 'Kubernetes' },
  };
}

interface SyncRow {
  proxy: string;
  cluster_sent?: string;
  cluster_acked?: string;
  endpoint_sent?: string;
  endpoint_acked?: string;
  listener_sent?: string;
  listener_acked?: string;
  resources: Record<string, { lastError?: string }>;
}

async function syncRow(proxy: string): Promise<SyncRow | undefined> {
  const rows = (await (await fetch(`http://127.0.0.1:${istiod.ports.http}/debug/syncz`)).json()) as SyncRow[];
  return rows.find((r) => r.proxy === proxy);
}

async function rejects(type: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${istiod.ports.monitoring}/metrics`)).text();
  const m = new RegExp(`^pilot_total_xds_rejects\\{type="${type}"\\} (\\d+)`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

const names = (m: Map<string, EnvoyJson>) => [...m.keys()];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'istiod-ads-'));
  for (const svc of ['sotw-a', 'sotw-b', 'delta-a', 'delta-b', 'delta-e']) addService(svc);
  istiod = new IstiodProcess({ configDir: dir, grpcPort: await freePort() });
  await istiod.start();
}, 60_000);

afterAll(async () => {
  await istiod?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SotW ADS against istiod', () => {
  it('ACK, NACK without resend, unknown and stale nonces ignored, removal, and reconnect after a restart', async () => {
    const addr = `127.0.0.1:${istiod.ports.grpc}`;
    const node = sidecar('sotw-0');
    let ads = new AdsProbe(addr, node);
    try {
      const cds1 = await ads.request(TypeUrl.Cluster);
      expect(names(resourcesByName(cds1))).toEqual(expect.arrayContaining([cluster('sotw-a'), cluster('sotw-b')]));
      ads.ack(cds1);
      await waitFor(async () => (await syncRow('sotw-0.default'))?.cluster_acked === cds1.nonce, 3000);

      // NACK of the first LDS response: recorded, counted and logged, and not answered with a resend.
      const ldsRejectsBefore = await rejects('lds');
      const lds1 = await ads.request(TypeUrl.Listener);
      ads.nack(lds1, '', 'test: listener rejected on purpose');
      expect(await ads.quiet(TypeUrl.Listener, 600)).toBeUndefined();
      const row = (await syncRow('sotw-0.default'))!;
      expect(row.listener_sent).toBe(lds1.nonce);
      expect(row.listener_acked).not.toBe(lds1.nonce);
      expect(row.resources[TypeUrl.Listener]?.lastError).toContain('listener rejected on purpose');
      expect(await rejects('lds')).toBe(ldsRejectsBefore + 1);
      expect(istiod.logs).toContain('test: listener rejected on purpose');

      // A request carrying a nonce istiod never sent is not an ACK and gets no answer.
      ads.send({ type_url: TypeUrl.Cluster, resource_names: [], version_info: 'made-up', response_nonce: 'not-a-nonce' });
      expect(await ads.quiet(TypeUrl.Cluster, 400)).toBeUndefined();

      // Removal: the next CDS state of the world no longer has the cluster.
      const cds2Promise = ads.next(TypeUrl.Cluster, 5000);
      removeService('sotw-b');
      const cds2 = await cds2Promise;
      expect(names(resourcesByName(cds2))).toContain(cluster('sotw-a'));
      expect(names(resourcesByName(cds2))).not.toContain(cluster('sotw-b'));
      // Wrong sequence: ACK the old response after a newer one went out; istiod ignores the stale nonce.
      ads.ack(cds1);
      await new Promise((r) => setTimeout(r, 300));
      expect((await syncRow('sotw-0.default'))?.cluster_sent).toBe(cds2.nonce);
      expect((await syncRow('sotw-0.default'))?.cluster_acked).not.toBe(cds2.nonce);
      ads.ack(cds2);
      await waitFor(async () => (await syncRow('sotw-0.default'))?.cluster_acked === cds2.nonce, 3000);

      // istiod restarts (same port); config changed while it was down. The stream ends; a new one gets the new state.
      await istiod.stop();
      expect(await Promise.race([ads.ended.then(() => 'ended'), new Promise((r) => setTimeout(() => r('open'), 5000))])).toBe('ended');
      ads.close();
      addService('sotw-c');
      await istiod.restart();
      ads = new AdsProbe(addr, node);
      // Envoy reconnects with the version it has and an empty nonce.
      const cds3Promise = ads.next(TypeUrl.Cluster, 5000);
      ads.send({ type_url: TypeUrl.Cluster, resource_names: [], version_info: cds2.version_info, response_nonce: '' });
      const cds3 = await cds3Promise;
      expect(names(resourcesByName(cds3))).toEqual(expect.arrayContaining([cluster('sotw-a'), cluster('sotw-c')]));
      expect(names(resourcesByName(cds3))).not.toContain(cluster('sotw-b'));
      ads.ack(cds3);
      await waitFor(async () => (await syncRow('sotw-0.default'))?.cluster_acked === cds3.nonce, 3000);
    } finally {
      ads.close();
    }
  }, 60_000);
});

describe('Delta ADS against istiod', () => {
  it('ACK, NACK without resend, unknown nonce ignored, removals, and a reconnect that resumes from initial_resource_versions', async () => {
    const addr = `127.0.0.1:${istiod.ports.grpc}`;
    const node = sidecar('delta-0');
    let ads = new DeltaProbe(addr, node);
    try {
      const c1 = await ads.request({ type_url: TypeUrl.Cluster });
      expect(names(deltaResources(c1))).toEqual(expect.arrayContaining([cluster('delta-a'), cluster('delta-b'), cluster('delta-e')]));
      expect(c1.removed_resources).toEqual([]);
      ads.ack(c1);
      await waitFor(async () => (await syncRow('delta-0.default'))?.cluster_acked === c1.nonce, 3000);
      const known = deltaVersions(c1);

      // EDS by name; NACK it: recorded and counted, no resend.
      const edsRejectsBefore = await rejects('eds');
      const e1 = await ads.request({ type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: [cluster('delta-a'), cluster('delta-e')] });
      expect(names(deltaResources(e1)).sort()).toEqual([cluster('delta-a'), cluster('delta-e')].sort());
      ads.nack(e1, 'test: endpoints rejected on purpose');
      expect(await ads.quiet(TypeUrl.ClusterLoadAssignment, 600)).toBeUndefined();
      const row = (await syncRow('delta-0.default'))!;
      expect(row.endpoint_acked).not.toBe(e1.nonce);
      expect(row.resources[TypeUrl.ClusterLoadAssignment]?.lastError).toContain('endpoints rejected on purpose');
      expect(await rejects('eds')).toBe(edsRejectsBefore + 1);

      // A nonce istiod never sent: not an ACK, no answer.
      ads.send({ type_url: TypeUrl.Cluster, response_nonce: 'not-a-nonce' });
      expect(await ads.quiet(TypeUrl.Cluster, 400)).toBeUndefined();
      expect((await syncRow('delta-0.default'))?.cluster_acked).toBe(c1.nonce);

      // Removal: only the change travels — the removed cluster by name, and its endpoints for the EDS watch.
      const c2Promise = ads.next(TypeUrl.Cluster, 5000);
      const e2Promise = ads.next(TypeUrl.ClusterLoadAssignment, 5000);
      removeService('delta-e');
      const c2 = await c2Promise;
      expect(c2.removed_resources).toContain(cluster('delta-e'));
      expect(names(deltaResources(c2))).not.toContain(cluster('delta-a'));
      ads.ack(c2);
      const e2 = await e2Promise;
      expect(e2.removed_resources).toContain(cluster('delta-e'));
      ads.ack(e2);
      delete known[cluster('delta-e')];
      for (const name of c2.removed_resources) delete known[name];
      Object.assign(known, deltaVersions(c2));

      // Restart with config changed meanwhile; the client resumes with what it holds.
      await istiod.stop();
      expect(await Promise.race([ads.ended.then(() => 'ended'), new Promise((r) => setTimeout(() => r('open'), 5000))])).toBe('ended');
      ads.close();
      removeService('delta-b');
      addService('delta-c');
      await istiod.restart();
      ads = new DeltaProbe(addr, node);
      const c3 = await ads.request({ type_url: TypeUrl.Cluster, initial_resource_versions: known });
      // Only what differs from the client's versions: the new cluster, and the one removed while istiod was down.
      expect(names(deltaResources(c3))).toEqual([cluster('delta-c')]);
      expect(c3.removed_resources).toEqual([cluster('delta-b')]);
      ads.ack(c3);
      await waitFor(async () => (await syncRow('delta-0.default'))?.cluster_acked === c3.nonce, 3000);
    } finally {
      ads.close();
    }
  }, 60_000);
});
