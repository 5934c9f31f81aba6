// Acceptance (issue 3, point 2): an independent xDS client — @grpc/grpc-js-xds, proxyless gRPC with GENERATOR=grpc —
// against istiod in local mode. Services and pods are Kubernetes YAML in istiod's config dir; the endpoints are gRPC
// echo servers on loopback that answer with their identity. Traffic management comes from Istio resources only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@mesh/testing';
import { startEchoServer, type EchoServer } from './grpc-echo.test-util.ts';
import { GrpcXdsCaller, proxylessBootstrap } from './grpc-xds-caller.test-util.ts';
import { IstiodProcess } from './istiod-process.test-util.ts';

const ns = 'grpc-test';
const target = (svc: string, port: number) => `xds:///${svc}.${ns}.svc.cluster.local:${port}`;

/** A Service whose port targets the pods' container port named `grpc`. */
function service(name: string, port: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { clusterIP: `10.96.7.${port - 7000}`, selector: { app: name }, ports: [{ name: 'grpc', port, targetPort: 'grpc' }] },
  };
}

/** A running pod on loopback: podIP 127.0.0.1 and a distinct container port per echo server. */
function pod(name: string, labels: Record<string, string>, port: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'echo', image: 'echo', ports: [{ name: 'grpc', containerPort: port }] }] },
    status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

const weighted80to20 = [
  { destination: { host: 'echo', subset: 'v1' }, weight: 80 },
  { destination: { host: 'echo', subset: 'v2' }, weight: 20 },
];

/** The Istio config of this test, YAML; `defaultRoute` is the echo VirtualService's catch-all route. */
function istioYaml(defaultRoute: object[] = weighted80to20): string {
  const docs = [
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'echo', namespace: ns },
      spec: { host: 'echo', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'echo', namespace: ns },
      spec: {
        hosts: ['echo'],
        http: [
          { match: [{ headers: { 'x-user': { exact: 'jason' } } }], route: [{ destination: { host: 'echo', subset: 'v2' } }] },
          {
            match: [{ headers: { 'x-fault': { exact: 'abort' } } }],
            fault: { abort: { percentage: { value: 100 }, httpStatus: 503 } },
            route: [{ destination: { host: 'echo', subset: 'v1' } }],
          },
          { route: defaultRoute },
        ],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'flaky', namespace: ns },
      spec: {
        hosts: ['flaky'],
        http: [
          { match: [{ headers: { 'x-retry': { exact: 'off' } } }], retries: { attempts: 0 }, route: [{ destination: { host: 'flaky' } }] },
          { match: [{ headers: { 'x-retry': { exact: 'default' } } }], route: [{ destination: { host: 'flaky' } }] },
          { retries: { attempts: 3, retryOn: 'unavailable' }, route: [{ destination: { host: 'flaky' } }] },
        ],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'sticky', namespace: ns },
      spec: { host: 'sticky', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-session' } } } },
    },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

describe('@grpc/grpc-js-xds (proxyless gRPC) against istiod', () => {
  let dir: string;
  let istiod: IstiodProcess | undefined;
  const servers = new Map<string, EchoServer>();
  let caller: GrpcXdsCaller;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'istiod-grpc-'));
    for (const id of ['echo-v1-0', 'echo-v2-0', 'flaky-0', 'sticky-0', 'sticky-1', 'sticky-2']) servers.set(id, await startEchoServer(id));
    const port = (id: string) => servers.get(id)!.port;
    const docs = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      service('echo', 7070),
      service('flaky', 7071),
      service('sticky', 7072),
      pod('echo-v1-0', { app: 'echo', version: 'v1' }, port('echo-v1-0')),
      pod('echo-v2-0', { app: 'echo', version: 'v2' }, port('echo-v2-0')),
      pod('flaky-0', { app: 'flaky', version: 'v1' }, port('flaky-0')),
      ...[0, 1, 2].map((i) => pod(`sticky-${i}`, { app: 'sticky', version: 'v1' }, port(`sticky-${i}`))),
    ];
    writeFileSync(join(dir, 'workloads.yaml'), docs.map((d) => stringify(d)).join('---\n'));
    writeFileSync(join(dir, 'istio.yaml'), istioYaml());
    istiod = new IstiodProcess({ configDir: dir, grpcPort: await freePort() });
    const ports = await istiod.start();
    caller = new GrpcXdsCaller(proxylessBootstrap(ports.grpc, { ip: '127.0.0.9', pod: 'client-0', namespace: ns, labels: { app: 'client' } }));
    // The first call on each channel waits for LDS → RDS → CDS → EDS.
    for (const [svc, p] of [['echo', 7070], ['flaky', 7071], ['sticky', 7072]] as const) {
      const warm = await caller.call({ target: target(svc, p), deadlineMs: 15_000 }, 20_000);
      expect(Object.keys(warm.results)[0], `${svc}: ${warm.errors.join('; ')}`).toMatch(/^ok /);
    }
  }, 60_000);

  afterAll(async () => {
    caller?.close();
    await istiod?.close();
    for (const s of servers.values()) s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('splits traffic 80/20 across DestinationRule subsets (within ±5 % over 1000 calls)', async () => {
    const { results, errors } = await caller.call({ target: target('echo', 7070), calls: 1000, concurrency: 20 });
    const v1 = results['ok echo-v1-0'] ?? 0;
    const v2 = results['ok echo-v2-0'] ?? 0;
    console.log(`80/20 split over 1000 calls: v1=${v1} v2=${v2}`);
    expect(v1 + v2, errors.join('; ')).toBe(1000);
    expect(v1).toBeGreaterThanOrEqual(750);
    expect(v1).toBeLessThanOrEqual(850);
  });

  it('routes on a request header (x-user: jason → v2 only)', async () => {
    const { results } = await caller.call({ target: target('echo', 7070), calls: 50, concurrency: 5, metadata: { 'x-user': 'jason' } });
    expect(results).toEqual({ 'ok echo-v2-0': 50 });
  });

  // grpc-js-xds applies a route's fault override only for filters in the api_listener's chain, which lists the fault
  // filter before the router as upstream's grpcgen does.
  it('injects an abort fault (HTTP 503 → gRPC UNAVAILABLE) without reaching the backend', async () => {
    const before = servers.get('echo-v1-0')!.calls;
    const { results } = await caller.call({ target: target('echo', 7070), calls: 20, metadata: { 'x-fault': 'abort' } });
    expect(results).toEqual({ 'err UNAVAILABLE': 20 });
    expect(servers.get('echo-v1-0')!.calls).toBe(before);
  });

  it('retries UNAVAILABLE as the VirtualService says (attempts 3), by default (2), and not with attempts 0', async () => {
    const flaky = servers.get('flaky-0')!;
    const t = target('flaky', 7071);
    // attempts: 3 → up to 4 tries: two failures are absorbed, four are not.
    expect((await caller.call({ target: t, payload: 'fail:a:2' })).results).toEqual({ 'ok flaky-0': 1 });
    expect(flaky.attempts.get('a')).toBe(3);
    expect((await caller.call({ target: t, payload: 'fail:b:5' })).results).toEqual({ 'err UNAVAILABLE': 1 });
    expect(flaky.attempts.get('b')).toBe(4);
    // No retries field: Istio's default policy (2 retries on unavailable, among others).
    expect((await caller.call({ target: t, payload: 'fail:c:2', metadata: { 'x-retry': 'default' } })).results).toEqual({ 'ok flaky-0': 1 });
    expect(flaky.attempts.get('c')).toBe(3);
    // attempts: 0 disables retries.
    expect((await caller.call({ target: t, payload: 'fail:d:1', metadata: { 'x-retry': 'off' } })).results).toEqual({ 'err UNAVAILABLE': 1 });
    expect(flaky.attempts.get('d')).toBe(1);
  });

  it('keeps a session on one backend with consistentHash on a header (ring hash)', async () => {
    const chosen = new Set<string>();
    for (let s = 0; s < 16; s++) {
      const { results } = await caller.call({ target: target('sticky', 7072), calls: 10, concurrency: 5, metadata: { 'x-session': `user-${s}` } });
      const replies = Object.keys(results);
      expect(replies, `session user-${s}`).toHaveLength(1);
      expect(replies[0]).toMatch(/^ok sticky-\d$/);
      chosen.add(replies[0]!);
    }
    // 16 sessions over 3 backends: a ring that ignores the header would put all of them on one.
    expect(chosen.size).toBeGreaterThan(1);
  });

  it('keeps serving from its last config while istiod restarts, then reconnects and follows a change', async () => {
    const t = target('echo', 7070);
    await istiod!.stop();
    // xDS is down: the channel keeps its resolved routes and endpoints.
    expect((await caller.call({ target: t, calls: 20, metadata: { 'x-user': 'jason' } })).results).toEqual({ 'ok echo-v2-0': 20 });
    writeFileSync(join(dir, 'istio.yaml'), istioYaml([{ destination: { host: 'echo', subset: 'v2' } }]));
    await istiod!.restart();
    // The default route now sends everything to v2 once the client has reconnected and received the new RDS.
    await waitFor(async () => JSON.stringify((await caller.call({ target: t, calls: 10, concurrency: 5 })).results) === JSON.stringify({ 'ok echo-v2-0': 10 }), 30_000, 200);
    expect((await caller.call({ target: t, calls: 100, concurrency: 10 })).results).toEqual({ 'ok echo-v2-0': 100 });
  }, 60_000);
});
