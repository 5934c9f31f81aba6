// Upstream's httpbin tasks on the local mesh, with the task YAML unchanged: circuit breaking (fortio-like client,
// overflowing requests get 503) and mirroring (httpbin-v2 receives the copies); and automatic mutual TLS between
// the sidecars (certificates from each agent's SDS), with PeerAuthentication STRICT refusing plaintext. One mesh
// for the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamPath, useTaskConfig } from './bookinfo.ts';
import { LocalMesh } from './local-mesh.ts';
import { podForDeployment, readManifest, withVersion } from './manifests.ts';
import type { Pod } from './pod.ts';
import { waitUntil } from './wait.ts';
import { loadCommand } from './workloads.ts';

let mesh: LocalMesh;
let client: Pod;
let v1: Pod;
let v2: Pod;
/** A pod without a sidecar: a client outside the mesh. */
let outsider: Pod;

async function load(url: string, c: number, n: number): Promise<Record<string, number>> {
  const cmd = loadCommand(url, c, n);
  return (JSON.parse(await client.exec(cmd.command, cmd.args)) as { codes: Record<string, number> }).codes;
}

const accessLines = (pod: Pod, path: string) => readFileSync(pod.app?.logPath ?? '', 'utf8').split('\n').filter((l) => l.includes(`GET ${path}`));

beforeAll(async () => {
  mesh = await LocalMesh.create();
  try {
    await mesh.startIstiod();
    const httpbin = readManifest(upstreamPath('related-samples/httpbin_httpbin.yaml'));
    const fortio = readManifest(upstreamPath('related-samples/httpbin_sample-client_fortio-deploy.yaml'));
    for (const s of httpbin.services) mesh.addService({ name: s.name, namespace: s.namespace, ports: s.ports }, s.selector, s.labels);
    const base = httpbin.deployments[0];
    const client0 = fortio.deployments[0];
    if (!base || !client0) throw new Error('upstream httpbin/fortio manifests have no Deployment');
    // The mirroring task's two versions of httpbin, and the fortio client.
    [v1, v2, client, outsider] = await Promise.all([
      mesh.startPod(podForDeployment(withVersion(base, 'v1'))),
      mesh.startPod(podForDeployment(withVersion(base, 'v2'))),
      mesh.startPod(podForDeployment(client0)),
      mesh.startPod({ ...podForDeployment(client0, 'none'), name: 'outsider-0', labels: { app: 'outsider' }, workloadName: 'outsider' }),
    ]);
  } catch (err) {
    await mesh.stop();
    throw err;
  }
}, 300_000);

afterAll(async () => {
  const problems = await mesh?.stop();
  expect(problems).toEqual([]);
});

describe('workload identity', () => {
  it('every sidecar authenticates to istiod\'s CA with its service-account token and gets a certificate', async () => {
    for (const pod of [v1, v2, client]) {
      const log = () => readFileSync(join(pod.dir, 'istio-proxy.log'), 'utf8');
      await waitUntil(`${pod.spec.name}'s workload certificate`, 30_000, () => log().includes('sds: workload certificate issued'), () => log().slice(-2000));
      expect(log()).not.toContain('authenticate failure');
    }
  });
});

describe('circuit breaking', () => {
  it('one connection: all 200; two concurrent connections: some requests overflow with 503', async () => {
    useTaskConfig(mesh, [{ file: 'tasks/circuit-breaking.yaml' }]);
    // The DestinationRule has reached the client's proxy once concurrent calls start to trip the breaker.
    let codes: Record<string, number> = {};
    await waitUntil('the circuit breaker to trip', 60_000, async () => {
      codes = await load('http://httpbin:8000/get', 3, 30);
      return (codes['503'] ?? 0) > 0;
    }, () => JSON.stringify(codes), 500);
    expect((codes['200'] ?? 0) + (codes['503'] ?? 0)).toBe(30);
    expect(codes['200'] ?? 0).toBeGreaterThan(0);
    // A single connection used serially never overflows.
    expect(await load('http://httpbin:8000/get', 1, 20)).toEqual({ '200': 20 });
    const stats = await client.exec('curl', ['-s', 'http://127.0.0.1:15000/stats']);
    const overflow = /cluster\.outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local\.upstream_rq_pending_overflow: (\d+)/.exec(stats);
    expect(Number(overflow?.[1] ?? 0)).toBeGreaterThan(0);
  });
});

describe('mirroring', () => {
  it('all traffic to v1: only v1 sees the requests', async () => {
    useTaskConfig(mesh, [{ file: 'tasks/mirroring.yaml', docs: [0, 1] }]);
    await waitUntil('routing to v1 only', 60_000, async () => {
      const before = accessLines(v2, '/headers').length;
      const codes = await load('http://httpbin:8000/headers', 1, 5);
      return codes['200'] === 5 && accessLines(v2, '/headers').length === before;
    });
    const v1Before = accessLines(v1, '/headers').length;
    const v2Before = accessLines(v2, '/headers').length;
    expect(await load('http://httpbin:8000/headers', 1, 10)).toEqual({ '200': 10 });
    expect(accessLines(v1, '/headers').length - v1Before).toBe(10);
    expect(accessLines(v2, '/headers').length - v2Before).toBe(0);
  });

  it('mirror 100 % to v2: the client gets v1 answers and v2 gets the copies with a -shadow host', async () => {
    useTaskConfig(mesh, [{ file: 'tasks/mirroring.yaml', docs: [2, 1] }]);
    await waitUntil('the mirror to v2', 60_000, async () => {
      const before = accessLines(v2, '/headers').length;
      await load('http://httpbin:8000/headers', 1, 1);
      await new Promise((r) => setTimeout(r, 300));
      return accessLines(v2, '/headers').length > before;
    });
    const v1Before = accessLines(v1, '/headers').length;
    const v2Before = accessLines(v2, '/headers').length;
    expect(await load('http://httpbin:8000/headers', 1, 10)).toEqual({ '200': 10 });
    await waitUntil('the mirrored copies to arrive', 10_000, () => accessLines(v2, '/headers').length - v2Before >= 10);
    expect(accessLines(v1, '/headers').length - v1Before).toBe(10);
    expect(accessLines(v2, '/headers').slice(v2Before).every((l) => /-shadow/.test(l))).toBe(true);
  });
});

describe('mutual TLS between sidecars', () => {
  const headersOf = (out: string): Record<string, string[]> | undefined => {
    try {
      return (JSON.parse(out) as { headers: Record<string, string[]> }).headers;
    } catch {
      return undefined;
    }
  };

  it('the client sidecar originates mTLS with its SDS certificate; httpbin\'s sidecar verifies it and forwards the identity', async () => {
    useTaskConfig(mesh, []);
    let headers: Record<string, string[]> | undefined;
    await waitUntil('an mTLS request from the client sidecar to httpbin', 60_000, async () => {
      headers = headersOf(await client.exec('curl', ['-s', '-m', '5', 'http://httpbin:8000/headers']).catch(() => ''));
      return headers?.['X-Forwarded-Client-Cert'] !== undefined;
    }, () => JSON.stringify(headers));
    // Only an inbound TLS chain that verified a client certificate sets XFCC: By is httpbin's own identity,
    // URI the client's, both issued by istiod's CA through each pod's agent.
    const xfcc = headers?.['X-Forwarded-Client-Cert']?.[0] ?? '';
    expect(xfcc).toContain('By=spiffe://cluster.local/ns/default/sa/httpbin;');
    expect(xfcc).toContain(`URI=spiffe://cluster.local/ns/default/sa/${client.spec.serviceAccount}`);
    const dump = JSON.parse(await client.exec('curl', ['-s', 'http://127.0.0.1:15000/config_dump'])) as { configs: Array<{ dynamic_active_secrets?: Array<{ name: string }> }> };
    expect(dump.configs.flatMap((c) => c.dynamic_active_secrets ?? []).map((x) => x.name).sort()).toEqual(['ROOTCA', 'default']);
  });

  it('PeerAuthentication STRICT: a client outside the mesh is refused, the sidecar client still gets through', async () => {
    const direct = `http://${v1.ip}:8080/headers`;
    const plain = () => outsider.exec('curl', ['-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', direct]).catch(() => 'refused');
    // PERMISSIVE (the default): plaintext from outside the mesh is served.
    await waitUntil('plaintext accepted under PERMISSIVE', 30_000, async () => (await plain()) === '200');
    const strict = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: istio-system\nspec:\n  mtls:\n    mode: STRICT\n';
    mesh.config.writeText('istio/peer-authentication/strict', strict);
    try {
      let last = '';
      await waitUntil('plaintext refused under STRICT', 60_000, async () => (last = await plain()) !== '200', () => last);
      for (let i = 0; i < 3; i++) expect(await plain()).not.toBe('200');
      expect(headersOf(await client.exec('curl', ['-s', '-m', '5', 'http://httpbin:8000/headers']))?.['X-Forwarded-Client-Cert']).toBeDefined();
    } finally {
      mesh.config.clear('istio/peer-authentication');
    }
    // Back to PERMISSIVE: plaintext is served again, so the refusal came from the policy.
    await waitUntil('plaintext accepted again', 60_000, async () => (await plain()) === '200');
  });
});
