// The charts against a real kube-apiserver + etcd (+ kube-controller-manager) from tools/testenv, with istiod
// running out of cluster at the URL the charts are given: helm install of base, istiod and gateway succeeds, the
// CRDs become Established, the validation webhook refuses an invalid VirtualService, and Bookinfo's pods are stored
// injected in a labelled namespace and untouched in an unlabelled one. There is no kubelet: pods stay Pending.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, hasTestenvBins, repoRoot, spawnApp, startKubeEnv, waitFor, type KubeEnv } from '@mesh/testing';
import { chartDir, mustRun, releaseVersion, runTool, type Json } from './chart-tools.ts';

const bookinfoYaml = resolve(repoRoot, '../shared/istio/bookinfo/platform/kube/bookinfo.yaml');
const ready = hasTestenvBins('etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl', 'helm');
const haveBookinfo = existsSync(bookinfoYaml);
const bookinfoDeployments = ['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3'];

const at = (v: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string | number, unknown>)[k]), v);
const names = (list: unknown): string[] => (Array.isArray(list) ? list.map((c) => String((c as Json)['name'])) : []);

describe.skipIf(!ready)('charts on a real kube-apiserver with istiod out of cluster', () => {
  let env: KubeEnv;
  let istiod: ChildProcess | undefined;
  let istiodLog = '';
  let webhookUrl = '';
  let dir = '';
  let refusal = '';
  const kube = (args: string[]) => mustRun('kubectl', ['--kubeconfig', env.kubeconfigPath, ...args]);
  const kubeTry = (args: string[]) => runTool('kubectl', ['--kubeconfig', env.kubeconfigPath, ...args]);
  const helm = (args: string[]) => mustRun('helm', ['--kubeconfig', env.kubeconfigPath, ...args]);
  const getJson = async (args: string[]): Promise<Json> => JSON.parse(await kube(['get', ...args, '-o', 'json'])) as Json;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-charts-'));
    env = await startKubeEnv({ withControllerManager: true, startTimeoutMs: 180_000 });
    webhookUrl = `https://127.0.0.1:${await freePort()}`;
  }, 240_000);

  afterAll(async () => {
    if (istiod && istiod.exitCode === null) {
      istiod.kill('SIGTERM');
      await waitFor(() => istiod?.exitCode !== null, 10_000).catch(() => istiod?.kill('SIGKILL'));
    }
    await env?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('helm install of base, istiod and gateway succeeds', async () => {
    const urls = ['--set', `base.validationURL=${webhookUrl}/validate`, '--set', `istiodRemote.injectionURL=${webhookUrl}/inject`];
    await helm(['install', 'istio-base', chartDir('base'), '-n', 'istio-system', '--create-namespace', ...urls, '--wait', '--timeout', '2m']);
    await helm(['install', 'istiod', chartDir('istiod'), '-n', 'istio-system', ...urls]);
    await helm(['install', 'istio-ingressgateway', chartDir('gateway'), '-n', 'istio-ingress', '--create-namespace']);
    const releases = JSON.parse(await helm(['list', '-A', '-o', 'json'])) as Json[];
    expect(releases.map((r) => [r['name'], r['status']]).sort()).toEqual([
      ['istio-base', 'deployed'], ['istio-ingressgateway', 'deployed'], ['istiod', 'deployed'],
    ]);
  }, 240_000);

  it('every CRD becomes Established', async () => {
    await kube(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    const crds = (await getJson(['crd'])).items as Json[];
    const istio = crds.filter((c) => String(at(c, 'spec', 'group')).endsWith('istio.io'));
    expect(istio.length).toBe(15);
    for (const crd of istio) {
      const established = (at(crd, 'status', 'conditions') as Json[]).find((c) => c['type'] === 'Established');
      expect(established?.['status'], String(at(crd, 'metadata', 'name'))).toBe('True');
    }
  }, 90_000);

  it('the CRD schemas refuse a wrongly-typed top-level field, naming it (before any webhook runs)', async () => {
    const doc = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'typed', namespace: 'default' }, spec: { hosts: 5 } };
    writeFileSync(join(dir, 'typed-vs.json'), JSON.stringify(doc));
    const r = await kubeTry(['apply', '-f', join(dir, 'typed-vs.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.hosts');
  }, 60_000);

  it('istiod out of cluster patches its CA into the webhooks, and the validation webhook refuses an invalid VirtualService', async () => {
    const port = new URL(webhookUrl).port;
    const loopback = async () => `127.0.0.1:${await freePort()}`;
    istiod = spawnApp('istiod', [
      '--kubeconfig', env.kubeconfigPath, '--httpsAddr', `127.0.0.1:${port}`, '--grpcAddr', await loopback(),
      '--httpAddr', await loopback(), '--monitoringAddr', await loopback(), '--istioNamespace', 'istio-system',
    ]);
    istiod.stdout?.on('data', (b: Buffer) => (istiodLog += b.toString()));
    istiod.stderr?.on('data', (b: Buffer) => (istiodLog += b.toString()));
    const patched = async (kind: string, name: string) =>
      ((await getJson([kind, name])).webhooks as Json[]).every((w) => typeof at(w, 'clientConfig', 'caBundle') === 'string');
    await waitFor(async () => {
      if (istiod?.exitCode !== null) throw new Error(`istiod exited ${String(istiod?.exitCode)}:\n${istiodLog}`);
      return (await patched('validatingwebhookconfiguration', 'istiod-default-validator')) &&
        (await patched('mutatingwebhookconfiguration', 'istio-sidecar-injector'));
    }, 60_000, 500);

    const vs = (name: string, weight: number) => ({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default' },
      spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' }, weight }] }] },
    });
    writeFileSync(join(dir, 'bad-vs.json'), JSON.stringify(vs('bad', -5)));
    writeFileSync(join(dir, 'good-vs.json'), JSON.stringify(vs('good', 100)));
    const bad = await kubeTry(['apply', '-f', join(dir, 'bad-vs.json')]);
    expect(bad.code, bad.stdout).not.toBe(0);
    expect(bad.stderr).toContain('admission webhook "validation.istio.io" denied the request');
    refusal = bad.stderr;
    expect((await kubeTry(['get', 'virtualservice', 'bad', '-n', 'default'])).code).not.toBe(0);
    await kube(['apply', '-f', join(dir, 'good-vs.json')]);
    expect(at(await getJson(['virtualservice', 'good', '-n', 'default']), 'spec', 'hosts')).toEqual(['reviews']);
  }, 120_000);

  // The apiserver shows AdmissionResponse.status.message (JSON key `status`); without it kubectl users only see
  // "denied the request without explanation".
  it('tells the user why the VirtualService was refused (field path and reason)', () => {
    expect(refusal).toContain('spec.http[0].route[0].weight');
  });

  it('once serving, istiod makes the validation webhook fail closed and publishes istio-ca-root-cert in every namespace', async () => {
    await waitFor(async () => {
      const hooks = (await getJson(['validatingwebhookconfiguration', 'istiod-default-validator'])).webhooks as Json[];
      return hooks.length > 0 && hooks.every((w) => w['failurePolicy'] === 'Fail');
    }, 30_000, 500);
    await waitFor(async () => (await kubeTry(['get', 'configmap', 'istio-ca-root-cert', '-n', 'default'])).code === 0, 30_000, 500);
    const cm = await getJson(['configmap', 'istio-ca-root-cert', '-n', 'default']);
    expect(String(at(cm, 'data', 'root-cert.pem'))).toContain('-----BEGIN CERTIFICATE-----');
  });

  it.skipIf(!haveBookinfo)('stores Bookinfo pods injected in a labelled namespace and untouched in an unlabelled one', async () => {
    await kube(['create', 'namespace', 'bookinfo-injected']);
    await kube(['label', 'namespace', 'bookinfo-injected', 'istio-injection=enabled']);
    await kube(['create', 'namespace', 'bookinfo-plain']);
    for (const ns of ['bookinfo-injected', 'bookinfo-plain']) await kube(['apply', '-n', ns, '-f', bookinfoYaml]);

    const podsOf = async (ns: string): Promise<Map<string, Json>> => {
      const pods = (await getJson(['pods', '-n', ns])).items as Json[];
      const byOwner = new Map<string, Json>();
      for (const pod of pods) {
        const rs = String(at(pod, 'metadata', 'ownerReferences', 0, 'name') ?? '');
        byOwner.set(rs.replace(/-[a-z0-9]+$/, ''), pod);
      }
      return byOwner;
    };
    for (const ns of ['bookinfo-injected', 'bookinfo-plain']) {
      await waitFor(async () => bookinfoDeployments.every((d) => podsOf(ns).then((m) => m.has(d))), 90_000, 500)
        .catch(async (error: unknown) => {
          const events = await kube(['get', 'events', '-n', ns]);
          throw new Error(`${ns}: not every Bookinfo pod was created: ${String(error)}\n${events}\n${istiodLog.slice(-4000)}`);
        });
    }
    const injected = await podsOf('bookinfo-injected');
    for (const d of bookinfoDeployments) {
      const spec = at(injected.get(d), 'spec') as Json;
      const inits = names(spec['initContainers']);
      expect(inits, d).toContain('istio-init');
      expect([...inits, ...names(spec['containers'])], d).toContain('istio-proxy');
      expect(at(injected.get(d), 'metadata', 'annotations', 'sidecar.istio.io/status'), d).toBeTypeOf('string');
      expect(at(injected.get(d), 'status', 'phase'), d).toBe('Pending');
    }
    const plain = await podsOf('bookinfo-plain');
    for (const d of bookinfoDeployments) {
      const spec = at(plain.get(d), 'spec') as Json;
      const all = [...names(spec['initContainers']), ...names(spec['containers'])];
      expect(all, d).not.toContain('istio-proxy');
      expect(all, d).not.toContain('istio-init');
    }
  }, 180_000);

  it('injects the gateway chart\'s pod with the gateway template', async () => {
    let pod: Json | undefined;
    await waitFor(async () => {
      pod = ((await getJson(['pods', '-n', 'istio-ingress'])).items as Json[])[0];
      return pod !== undefined;
    }, 180_000, 1000); // the ReplicaSet controller backs off while the webhook had no caBundle yet
    const containers = at(pod, 'spec', 'containers') as Json[];
    expect(names(containers)).toEqual(['istio-proxy']);
    expect(containers[0]?.['image']).toBe(`ghcr.io/mesh-ts/proxyv2:${releaseVersion()}`);
    expect((containers[0]?.['args'] as string[]).slice(0, 2)).toEqual(['proxy', 'router']);
    expect(names(at(pod, 'spec', 'initContainers'))).not.toContain('istio-init');
  }, 240_000);
});
