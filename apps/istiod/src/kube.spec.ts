// Acceptance (issue 3, point 4): a real kube-apiserver + etcd. The project's generated CRDs install, every document
// of every upstream Bookinfo sample is accepted (server-side apply), and istiod (--kubeconfig) watches the cluster:
// a VirtualService change reaches a connected proxy within 1 s.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTestenvBins, repoRoot, startKubeEnv, testenvBin, waitFor, type KubeEnv } from '@mesh/testing';
import { TypeUrl, type EnvoyJson } from '@mesh/xds';
import { AdsProbe, resourcesByName } from './ads-probe.test-util.ts';
import { IstiodProcess } from './istiod-process.test-util.ts';

const bookinfo = resolve(repoRoot, '../shared/istio/bookinfo');
const projectCrds = resolve(repoRoot, 'charts/base/files/crd-all.gen.yaml');
const standInCrds = resolve(import.meta.dirname, 'testdata/third-party-crds.stand-in.yaml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** stderr lines that are not warnings (kubectl prints deprecation warnings from the apiserver there). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Warning: '));
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort();
}

describe.skipIf(!hasTestenvBins('etcd', 'kube-apiserver', 'kubectl'))('istiod against a real kube-apiserver', () => {
  let env: KubeEnv | undefined;
  let istiod: IstiodProcess | undefined;

  const kubectl = (args: string[], input?: string): Promise<Run> =>
    new Promise((done) => {
      const child = execFile(testenvBin('kubectl'), ['--kubeconfig', env!.kubeconfigPath, ...args], { maxBuffer: 16 << 20, timeout: 60_000 }, (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
      );
      if (input !== undefined) child.stdin!.end(input);
    });

  const applyServerSide = (yaml: string, extra: string[] = []) => kubectl(['apply', '--server-side', '--field-manager=mesh-acceptance', ...extra, '-f', '-'], yaml);

  beforeAll(async () => {
    // Dual-stack service range: bookinfo-dualstack.yaml asks for RequireDualStack Services.
    env = await startKubeEnv({ apiserverArgs: ['--service-cluster-ip-range=10.0.0.0/24,fd00:10:96::/112'] });
  }, 180_000);

  afterAll(async () => {
    await istiod?.close();
    await env?.stop();
  });

  it("installs the project's generated CRDs", async () => {
    const crds = readFileSync(projectCrds, 'utf8');
    const applied = await applyServerSide(`${crds}\n---\n${readFileSync(standInCrds, 'utf8')}`);
    expect(errorLines(applied.stderr)).toEqual([]);
    expect(applied.code).toBe(0);
    const established = await kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    expect(established.code, established.stderr).toBe(0);
    const names = (await kubectl(['get', 'crd', '-o', 'name'])).stdout;
    for (const doc of parseAllDocuments(crds).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null)) {
      if (doc?.kind === 'CustomResourceDefinition') expect(names).toContain(`customresourcedefinition.apiextensions.k8s.io/${doc.metadata?.name}`);
    }
  }, 90_000);

  // The generated CRDs carry upstream's structural schemas, so the apiserver refuses what upstream refuses.
  it('enforces the CRD schemas: a VirtualService whose hosts is not a list is refused, with the field named', async () => {
    await kubectl(['create', 'namespace', 'crd-check']);
    const bad = await applyServerSide(stringify({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'bad', namespace: 'crd-check' }, spec: { hosts: 5 } }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.hosts');
  }, 30_000);

  it('accepts every document of every upstream Bookinfo sample (server-side apply, one namespace per file)', async () => {
    const listed = await kubectl(['api-resources', '--namespaced=false', '--no-headers']);
    const clusterKinds = new Set(listed.stdout.split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '').filter(Boolean));
    const stream: object[] = [];
    const objects: object[] = [];
    const withoutObjects: string[] = [];
    yamlFiles(bookinfo).forEach((file, i) => {
      const docs = parseAllDocuments(readFileSync(file, 'utf8'))
        .map((d) => d.toJS() as { apiVersion?: string; kind?: string; metadata?: { namespace?: string } } | null)
        .filter((d) => d?.apiVersion && d.kind && d.metadata);
      if (docs.length === 0) withoutObjects.push(relative(bookinfo, file));
      const ns = `sample-${i}`;
      if (docs.length > 0) stream.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'sample-file': relative(bookinfo, file).replace(/[^A-Za-z0-9_.-]/g, '_').slice(-63).replace(/^[^A-Za-z0-9]+/, '') } } });
      for (const d of docs) {
        // Namespaced objects go to the file's test namespace, whatever the sample says (some say istio-system).
        if (clusterKinds.has(d!.kind!)) delete d!.metadata!.namespace;
        else d!.metadata!.namespace = ns;
        objects.push(d!);
      }
    });
    console.log(`applying ${objects.length} documents from ${yamlFiles(bookinfo).length - withoutObjects.length} files; files without Kubernetes objects: ${withoutObjects.join(', ')}`);
    expect(withoutObjects).toEqual(['swagger.yaml']); // an OpenAPI description, not a manifest
    const run = await applyServerSide([...stream, ...objects].map((o) => stringify(o)).join('---\n'));
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const appliedLines = run.stdout.split('\n').filter((l) => l.endsWith(' serverside-applied'));
    expect(appliedLines).toHaveLength(stream.length + objects.length);
    // Clean up the objects (namespaces would stay Terminating without a controller manager; empty ones are harmless),
    // so the next test measures istiod on Bookinfo alone rather than on 58 copies of it.
    const removed = await kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
    expect(errorLines(removed.stderr)).toEqual([]);
  }, 120_000);

  it('istiod --kubeconfig watches the cluster; a VirtualService change reaches a connected proxy within 1 s', async () => {
    const ns = 'bookinfo';
    await kubectl(['create', 'namespace', ns]);
    for (const f of ['platform/kube/bookinfo.yaml', 'networking/destination-rule-all.yaml', 'networking/virtual-service-all-v1.yaml']) {
      const r = await applyServerSide(readFileSync(join(bookinfo, f), 'utf8'), ['-n', ns]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
    }
    istiod = new IstiodProcess({ kubeconfig: env!.kubeconfigPath });
    const ports = await istiod.start();
    const node: EnvoyJson = {
      id: `sidecar~10.250.0.15~productpage-v1-0.${ns}~${ns}.svc.cluster.local`,
      cluster: `productpage.${ns}`,
      metadata: { NAMESPACE: ns, LABELS: { app: 'productpage', version: 'v1' }, ISTIO_VERSION: '1.32.0', CLUSTER_ID: 'Kubernetes' },
    };
    const ads = new AdsProbe(`127.0.0.1:${ports.grpc}`, node);
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.http}/ready`)).status === 200, 10_000);
      const reviews = (subset: string) => `outbound|9080|${subset}|reviews.${ns}.svc.cluster.local`;
      // The first push builds this proxy's config from ~150 objects; allow for a loaded CI machine.
      const cds = await ads.request(TypeUrl.Cluster, [], undefined, 15_000);
      expect([...resourcesByName(cds).keys()]).toEqual(expect.arrayContaining([reviews('v1'), reviews('v3'), reviews('')]));
      ads.ack(cds);
      const lds = await ads.request(TypeUrl.Listener);
      expect([...resourcesByName(lds).keys()]).toContain('0.0.0.0_9080');
      ads.ack(lds);
      const rds = await ads.request(TypeUrl.RouteConfiguration, ['9080']);
      const route = (r: typeof rds) => JSON.stringify(resourcesByName(r).get('9080'));
      expect(route(rds)).toContain(reviews('v1'));
      expect(route(rds)).not.toContain(reviews('v3'));

      // The change, through the API: reviews → v3 (upstream's virtual-service-reviews-v3.yaml spec).
      const kc = new KubeConfig();
      kc.loadFromFile(env!.kubeconfigPath);
      const api = kc.makeApiClient(CustomObjectsApi);
      const key = { group: 'networking.istio.io', version: 'v1', namespace: ns, plural: 'virtualservices', name: 'reviews' };
      const current = (await api.getNamespacedCustomObject(key)) as { metadata: object; spec: object };
      const target = parse(readFileSync(join(bookinfo, 'networking/virtual-service-reviews-v3.yaml'), 'utf8')) as { spec: object };
      const nextRds = ads.next(TypeUrl.RouteConfiguration, 5000);
      ads.ack(rds, ['9080']);
      const started = performance.now();
      await api.replaceNamespacedCustomObject({ ...key, body: { ...current, spec: target.spec } });
      const accepted = performance.now();
      let latest = await nextRds;
      while (!route(latest).includes(reviews('v3'))) {
        const again = ads.next(TypeUrl.RouteConfiguration, 5000);
        ads.ack(latest, ['9080']);
        latest = await again;
      }
      const elapsed = performance.now() - started;
      const pushLine = istiod.logs.split('\n').filter((l) => l.includes('push: debounce stable') && l.includes('VirtualService/bookinfo/reviews')).pop();
      const push = pushLine ? (JSON.parse(pushLine) as { sinceFirstMs: number; time: number }) : undefined;
      console.log(
        `VirtualService change reached the proxy in ${elapsed.toFixed(0)} ms (${(elapsed - (accepted - started)).toFixed(0)} ms after the apiserver accepted it; ` +
          `istiod debounced ${push?.sinceFirstMs ?? '?'} ms)`,
      );
      expect(route(latest)).not.toContain(reviews('v1'));
      expect(elapsed).toBeLessThan(1000);
    } catch (err) {
      console.log(istiod.logs.slice(-5000));
      throw err;
    } finally {
      ads.close();
    }
  }, 90_000);
  // Upstream keeps the self-signed root in istio-system/istio-ca-secret: every replica and every restart signs with it.
  it('keeps its CA root in the istio-ca-secret Secret and reloads it after a restart', async () => {
    // The earlier test's istiod started before istio-system existed, so its root is not stored: stop it, or both
    // would publish their roots to istio-ca-root-cert.
    await istiod?.close();
    istiod = undefined;
    await kubectl(['create', 'namespace', 'istio-system']);
    const ca = new IstiodProcess({ kubeconfig: env!.kubeconfigPath });
    try {
      await ca.start();
      const secret = await kubectl(['get', 'secret', 'istio-ca-secret', '-n', 'istio-system', '-o', 'json']);
      expect(secret.code, secret.stderr).toBe(0);
      const stored = JSON.parse(secret.stdout) as { type: string; data: Record<string, string> };
      expect(stored.type).toBe('istio.io/ca-root');
      const rootPem = Buffer.from(stored.data['ca-cert.pem'] ?? '', 'base64').toString();
      expect(new X509Certificate(rootPem).ca).toBe(true);
      expect(Buffer.from(stored.data['ca-key.pem'] ?? '', 'base64').toString()).toContain('BEGIN PRIVATE KEY');
      // The root istiod publishes to namespaces is the stored one.
      await waitFor(async () => {
        const cm = await kubectl(['get', 'configmap', 'istio-ca-root-cert', '-n', 'istio-system', '-o', 'jsonpath={.data.root-cert\\.pem}']);
        return cm.code === 0 && cm.stdout === rootPem;
      }, 20_000);

      await ca.restart();
      expect(ca.logs).toContain('ca: root loaded');
      const again = JSON.parse((await kubectl(['get', 'secret', 'istio-ca-secret', '-n', 'istio-system', '-o', 'json'])).stdout) as { data: Record<string, string> };
      expect(again.data['ca-cert.pem']).toBe(stored.data['ca-cert.pem']);
      const cm = await kubectl(['get', 'configmap', 'istio-ca-root-cert', '-n', 'istio-system', '-o', 'jsonpath={.data.root-cert\\.pem}']);
      expect(cm.stdout).toBe(rootPem);
    } catch (err) {
      console.log(ca.logs.slice(-5000));
      throw err;
    } finally {
      await ca.close();
    }
  }, 90_000);
});
