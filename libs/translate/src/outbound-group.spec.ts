// Grouped generation must give exactly what per-proxy generation gives: for every golden case and proxies that
// differ in each field the outbound builders read, a proxy completed from another proxy's outbound part (same group
// key) equals its own `generate` output, resource order and errors included. A crafted mesh shows that each key
// field really separates proxies whose outbound config differs.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlDocuments } from '@mesh/api';
import { buildSnapshot, parseProxy, type MeshSnapshot, type Proxy } from '@mesh/model';
import { describe, expect, it } from 'vitest';
import { generate, generateWithOutbound, type GeneratedConfig } from './generate.ts';
import { loadGoldenCase } from './golden-case.ts';
import { generateOutbound, listenersReadVirtualServices, outboundGroupKey } from './outbound-group.ts';

const dir = join(import.meta.dirname, '..', 'testdata');
const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort();

interface NodeSpec {
  nodeId: string;
  metadata: Record<string, unknown>;
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

/** The shape of a config that matters on the wire: per type, names in order and resources; then the errors. */
function comparable(cfg: GeneratedConfig): unknown {
  const types = ['clusters', 'listeners', 'routes', 'endpoints', 'secrets'] as const;
  return { ...Object.fromEntries(types.map((t) => [t, [...cfg[t].entries()]])), errors: cfg.errors };
}

/** Proxies like the case's own that differ in one field each: pod/IP (same group), labels, namespace, domain, mode, locality. */
function variants(base: NodeSpec, labelSets: ReadonlyArray<Record<string, string>>): NodeSpec[] {
  const [type = 'sidecar', , id = '', domain = ''] = base.nodeId.split('~');
  const ns = typeof base.metadata['NAMESPACE'] === 'string' ? base.metadata['NAMESPACE'] : (id.split('.')[1] ?? 'default');
  const { INSTANCE_IPS: _ips, ...meta } = base.metadata;
  const out: NodeSpec[] = [base, { nodeId: `${type}~10.250.0.9~other-pod-1.${ns}~${domain}`, metadata: meta, ...(base.locality ? { locality: base.locality } : {}) }];
  for (const labels of [{}, ...labelSets]) out.push({ ...base, metadata: { ...meta, LABELS: labels } });
  out.push({ nodeId: `${type}~10.250.0.8~pod-2.other-ns~other-ns.svc.cluster.local`, metadata: { ...meta, NAMESPACE: 'other-ns' } });
  out.push({ ...base, nodeId: `${type}~10.250.0.7~${id}~${ns}.svc.example.org` });
  for (const mode of ['TPROXY', 'NONE']) out.push({ ...base, metadata: { ...meta, INTERCEPTION_MODE: mode } });
  out.push({ ...base, locality: { region: 'europe-west1', zone: 'europe-west1-b' } });
  out.push({ ...base, locality: { region: 'us-east1', zone: 'us-east1-c' } });
  return out;
}

/** Label sets the case's Sidecars and VirtualService matches select on (so variants hit those branches). */
function selectorsIn(snapshot: MeshSnapshot): Array<Record<string, string>> {
  const sets: Array<Record<string, string>> = [];
  for (const s of snapshot.config.sidecars) if (s.spec.workloadSelector?.labels) sets.push({ ...s.spec.workloadSelector.labels });
  for (const vs of snapshot.config.virtualServices) {
    for (const r of [...(vs.resource.spec.http ?? []), ...(vs.resource.spec.tcp ?? []), ...(vs.resource.spec.tls ?? [])]) {
      for (const m of r.match ?? []) if (m.sourceLabels) sets.push({ ...m.sourceLabels });
    }
  }
  return sets;
}

function parse(spec: NodeSpec): Proxy {
  return parseProxy(spec.nodeId, spec.metadata, spec.locality);
}

describe('grouped generation equals per-proxy generation', () => {
  for (const file of cases) {
    it(file.slice(0, -'.in.yaml'.length), () => {
      const c = loadGoldenCase(join(dir, file));
      const snapshot = buildSnapshot(c.objects, c.header.mesh);
      const base: NodeSpec = { nodeId: c.header.proxy, metadata: c.header.metadata ?? {}, ...(c.header.locality ? { locality: c.header.locality } : {}) };
      const proxies = variants(base, selectorsIn(snapshot)).map(parse);
      const keys = proxies.map((p) => outboundGroupKey(snapshot, p));
      if (keys[0] === undefined) {
        // Routers and proxyless gRPC are generated whole.
        expect(proxies[0]?.type === 'router' || proxies[0]?.generator === 'grpc').toBe(true);
        return;
      }
      // A different pod with the same namespace and labels shares the group.
      expect(keys[1]).toBe(keys[0]);
      let shared = 0;
      for (const [i, a] of proxies.entries()) {
        const outbound = generateOutbound(snapshot, a);
        for (const [j, b] of proxies.entries()) {
          if (keys[i] !== keys[j]) continue;
          expect(comparable(generateWithOutbound(snapshot, b, outbound)), `${a.id} → ${b.id}`).toEqual(comparable(generate(snapshot, b)));
          if (i !== j) shared++;
        }
      }
      expect(shared).toBeGreaterThan(0);
    });
  }
});

const crafted = `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: a}
spec: {clusterIP: 10.96.0.1, ports: [{port: 80, name: http}], selector: {app: api}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: b}
spec: {clusterIP: 10.96.0.2, ports: [{port: 8080, name: http}], selector: {app: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: a, labels: {app: api, istio-locality: us-east1.us-east1-b}}
status: {phase: Running, podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api-2, namespace: a, labels: {app: api, istio-locality: europe-west1.europe-west1-b}}
status: {phase: Running, podIP: 10.1.0.2}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api-from-a, namespace: a}
spec: {host: api.a.svc.cluster.local, exportTo: ['.'], trafficPolicy: {connectionPool: {tcp: {maxConnections: 7}}, outlierDetection: {consecutive5xxErrors: 5}}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: scoped, namespace: a}
spec: {workloadSelector: {labels: {scope: narrow}}, egress: [{hosts: ['./*']}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: a}
spec:
  hosts: [api.a.svc.cluster.local]
  http:
  - match: [{sourceLabels: {app: frontend}}]
    route: [{destination: {host: api.a.svc.cluster.local}}]
    timeout: 3s
  - route: [{destination: {host: api.a.svc.cluster.local}}]
`;

describe('the group key separates proxies whose outbound config differs', () => {
  const parsed = parseYamlDocuments(crafted);
  const snapshot = buildSnapshot(parsed.resources);
  const base: NodeSpec = { nodeId: 'sidecar~10.2.0.1~client-1.a~a.svc.cluster.local', metadata: { NAMESPACE: 'a', LABELS: { app: 'client' } }, locality: { region: 'us-east1', zone: 'us-east1-b' } };
  const differing: Record<string, NodeSpec> = {
    namespace: { nodeId: 'sidecar~10.2.0.2~client-1.b~b.svc.cluster.local', metadata: { NAMESPACE: 'b', LABELS: { app: 'client' } }, locality: { region: 'us-east1', zone: 'us-east1-b' } },
    'Sidecar workloadSelector': { ...base, metadata: { NAMESPACE: 'a', LABELS: { app: 'client', scope: 'narrow' } } },
    'VirtualService sourceLabels': { ...base, metadata: { NAMESPACE: 'a', LABELS: { app: 'frontend' } } },
    dnsDomain: { ...base, nodeId: 'sidecar~10.2.0.1~client-1.a~a.svc.example.org' },
    interceptionMode: { ...base, metadata: { NAMESPACE: 'a', LABELS: { app: 'client' }, INTERCEPTION_MODE: 'TPROXY' } },
    locality: { ...base, locality: { region: 'europe-west1', zone: 'europe-west1-b' } },
  };

  it('parses the mesh', () => {
    expect(parsed.errors).toEqual([]);
  });

  for (const [field, spec] of Object.entries(differing)) {
    it(field, () => {
      const a = parse(base);
      const b = parse(spec);
      expect(outboundGroupKey(snapshot, b)).not.toBe(outboundGroupKey(snapshot, a));
      expect(generateOutbound(snapshot, b)).not.toEqual(generateOutbound(snapshot, a));
    });
  }

  it('labels no Sidecar or VirtualService selects on do not split the group', () => {
    const other = parse({ ...base, nodeId: 'sidecar~10.2.0.9~client-2.a~a.svc.cluster.local', metadata: { NAMESPACE: 'a', LABELS: { app: 'client', version: 'v9' } } });
    expect(outboundGroupKey(snapshot, other)).toBe(outboundGroupKey(snapshot, parse(base)));
  });

  it('routers and proxyless gRPC clients are not grouped', () => {
    expect(outboundGroupKey(snapshot, parse({ nodeId: 'router~10.2.0.3~gw-1.a~a.svc.cluster.local', metadata: {} }))).toBeUndefined();
    expect(outboundGroupKey(snapshot, parse({ ...base, metadata: { NAMESPACE: 'a', GENERATOR: 'grpc' } }))).toBeUndefined();
  });
});

describe('generateOutbound reusing an earlier result', () => {
  const mesh = (timeout: string, tcp = false) =>
    parseYamlDocuments(`
apiVersion: v1
kind: Service
metadata: {name: api, namespace: a}
spec: {clusterIP: 10.96.0.1, ports: [{port: 80, name: http}, {port: 7000, name: sniffed}], selector: {app: api}}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: a}
spec: {clusterIP: 10.96.0.3, ports: [{port: 5432, name: tcp}], selector: {app: db}}
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: a, labels: {app: api}}
status: {phase: Running, podIP: 10.1.0.1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: a}
spec:
  hosts: [api.a.svc.cluster.local]
  http: [{route: [{destination: {host: api.a.svc.cluster.local}}], timeout: ${timeout}}]
${tcp ? '  tcp: [{route: [{destination: {host: db.a.svc.cluster.local}}]}]' : ''}
`).resources;
  const proxy = parseProxy('sidecar~10.2.0.1~client-1.a~a.svc.cluster.local', { NAMESPACE: 'a' });
  const shape = (o: ReturnType<typeof generateOutbound>) => ({
    clusters: [...o.clusters],
    endpoints: [...o.endpoints],
    listeners: [...o.listeners],
    routes: [...o.routes],
    errors: o.errors,
    routeNames: o.routeNames,
  });

  it('equals a fresh build after an HTTP-route-only VirtualService change, with clusters and listeners taken over', () => {
    const before = buildSnapshot(mesh('3s'));
    const after = buildSnapshot(mesh('7s'));
    expect(listenersReadVirtualServices(before) || listenersReadVirtualServices(after)).toBe(false);
    const earlier = generateOutbound(before, proxy);
    const reused = generateOutbound(after, proxy, { clusters: earlier, listeners: earlier });
    expect(reused.listeners).toBe(earlier.listeners);
    expect(reused.clusters).toBe(earlier.clusters);
    expect(shape(reused)).toEqual(shape(generateOutbound(after, proxy)));
    expect(JSON.stringify([...reused.routes.values()])).toContain('"timeout":"7s"');
    expect(reused.routeNames.sniffed).toEqual([{ hostname: 'api.a.svc.cluster.local', port: 7000 }]);
  });

  it('says when listeners read VirtualServices (TCP/TLS routes) so they must be rebuilt', () => {
    const withTcp = buildSnapshot(mesh('3s', true));
    expect(listenersReadVirtualServices(withTcp)).toBe(true);
    const fresh = generateOutbound(withTcp, proxy);
    const stale = generateOutbound(withTcp, proxy, { listeners: generateOutbound(buildSnapshot(mesh('3s')), proxy) });
    // Taking the listeners over here would be wrong: the tcp route sends api:... traffic to db.
    expect([...stale.listeners]).not.toEqual([...fresh.listeners]);
  });
});
