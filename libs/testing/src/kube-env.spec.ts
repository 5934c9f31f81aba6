import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  loadAllYaml,
  VersionApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './apps.ts';
import { startKubeEnv, testenvBin, type KubeEnv } from './kube-env.ts';
import { freePort, waitFor } from './ports.ts';

const execFileAsync = promisify(execFile);
const CRD_FILE = resolve(repoRoot, '../shared/istio/crds/crd-all.gen.yaml');
const START_TIMEOUT = 180_000;

function clients(env: KubeEnv) {
  const kc = new KubeConfig();
  kc.loadFromFile(env.kubeconfigPath);
  return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), ext: kc.makeApiClient(ApiextensionsV1Api) };
}

/** Alive and not a zombie (a killed child of an exited parent can linger as one until init reaps it). */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose working directory is `dir` (kube-env starts etcd and the apiservers there). */
function pidsWithCwd(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readlinkSync(`/proc/${entry}/cwd`) === dir;
      } catch {
        return false; // exited, or not ours to inspect
      }
    })
    .map(Number);
}

// loadAllYaml maps wire names (`x-kubernetes-int-or-string`) onto client-node's model; a plain YAML parse would
// have them dropped by the client's serializer and the apiserver would reject the schemas.
function loadCrds(): V1CustomResourceDefinition[] {
  return (loadAllYaml(readFileSync(CRD_FILE, 'utf8')) as (V1CustomResourceDefinition | null)[]).filter(
    (doc): doc is V1CustomResourceDefinition => doc?.kind === 'CustomResourceDefinition',
  );
}

interface AdmissionReview {
  request?: { uid: string; object?: { metadata?: { name?: string; labels?: Record<string, string> } } };
}

/** An HTTPS admission webhook on loopback that denies objects labelled deny=yes; records the names it saw. */
async function startDenyWebhook(): Promise<{ url: string; caBundle: string; seen: string[]; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-webhook-'));
  await execFileAsync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-subj', '/CN=webhook',
    '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  const cert = readFileSync(join(dir, 'tls.crt'));
  const key = readFileSync(join(dir, 'tls.key'));
  rmSync(dir, { recursive: true, force: true });
  const seen: string[] = [];
  const server: Server = createServer({ cert, key }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const review = JSON.parse(body) as AdmissionReview;
      const object = review.request?.object;
      seen.push(object?.metadata?.name ?? '');
      const allowed = object?.metadata?.labels?.['deny'] !== 'yes';
      const response = { uid: review.request?.uid, allowed, status: allowed ? undefined : { message: 'denied by kube-env spec' } };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  const port = await freePort();
  await new Promise<void>((ready) => server.listen(port, '127.0.0.1', ready));
  return { url: `https://127.0.0.1:${port}/validate`, caBundle: cert.toString('base64'), seen, close: () => server.close() };
}

describe('testenvBin', () => {
  it('tells the user to run npm run testenv when a binary is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'mesh-testenv-empty-'));
    const saved = process.env['MESH_TESTENV_CACHE'];
    process.env['MESH_TESTENV_CACHE'] = empty;
    try {
      expect(() => testenvBin('kube-apiserver')).toThrow(/kube-apiserver not found at .*npm run testenv/);
    } finally {
      if (saved === undefined) delete process.env['MESH_TESTENV_CACHE'];
      else process.env['MESH_TESTENV_CACHE'] = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('startKubeEnv', () => {
  let env: KubeEnv | undefined;

  beforeAll(async () => {
    env = await startKubeEnv();
  }, START_TIMEOUT);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('reports a real release version (helm kubeVersion checks and clients read /version)', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(env!.kubeconfigPath);
    const info = await kc.makeApiClient(VersionApi).getCode();
    const [, major, minor] = /^v(\d+)\.(\d+)\.\d+$/.exec(info.gitVersion) ?? [];
    expect(major).toBe('1');
    expect([info.major, info.minor]).toEqual([major, minor]);
  });

  it('serves the API to the admin kubeconfig: namespaces and ConfigMaps round-trip', async () => {
    const { core } = clients(env!);
    await core.createNamespace({ body: { metadata: { name: 'kube-env-spec' } } });
    await core.createNamespacedConfigMap({
      namespace: 'kube-env-spec',
      body: { metadata: { name: 'settings' }, data: { mesh: 'on' } },
    });
    const read = await core.readNamespacedConfigMap({ namespace: 'kube-env-spec', name: 'settings' });
    expect(read.data).toEqual({ mesh: 'on' });
    expect(read.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives Go clients (kubectl, helm) a working kubeconfig', async () => {
    const kubeconfig = `--kubeconfig=${env!.kubeconfigPath}`;
    const { stdout: mesh } = await execFileAsync(testenvBin('kubectl'), [
      kubeconfig, 'get', 'configmap', 'settings', '-n', 'kube-env-spec', '-o', 'jsonpath={.data.mesh}',
    ]);
    expect(mesh).toBe('on');
    const { stdout: releases } = await execFileAsync(testenvBin('helm'), [kubeconfig, 'list', '-A', '-o', 'json']);
    expect(JSON.parse(releases)).toEqual([]);
  });

  it('calls validating admission webhooks', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(env!.kubeconfigPath);
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    const { core } = clients(env!);
    const webhook = await startDenyWebhook();
    try {
      await admission.createValidatingWebhookConfiguration({
        body: {
          metadata: { name: 'kube-env-spec' },
          webhooks: [
            {
              name: 'deny.kube-env-spec.mesh.test',
              clientConfig: { url: webhook.url, caBundle: webhook.caBundle },
              rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
              objectSelector: { matchLabels: { 'kube-env-spec': 'webhook' } },
              failurePolicy: 'Fail',
              sideEffects: 'None',
              admissionReviewVersions: ['v1'],
            },
          ],
        },
      });
      const labels = { 'kube-env-spec': 'webhook', deny: 'yes' };
      let attempt = 0;
      let denial = '';
      // Webhook configurations reach the admission chain asynchronously: retry until the webhook answers.
      await waitFor(async () => {
        const name = `denied-${attempt++}`;
        try {
          await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name, labels } } });
          return false;
        } catch (error) {
          denial = String(error);
          return webhook.seen.includes(name);
        }
      }, 20_000, 200);
      expect(denial).toContain('denied by kube-env spec');
      const allowed = { 'kube-env-spec': 'webhook' };
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'allowed', labels: allowed } } });
      expect(webhook.seen).toContain('allowed');
    } finally {
      webhook.close();
      await admission.deleteValidatingWebhookConfiguration({ name: 'kube-env-spec' }).catch(() => undefined);
    }
  });

  it('applies the upstream Istio CRDs and they become Established', async () => {
    const { ext } = clients(env!);
    const crds = loadCrds();
    expect(crds.length).toBeGreaterThan(10);
    for (const crd of crds) await ext.createCustomResourceDefinition({ body: crd });
    const established = async (name: string): Promise<boolean> => {
      const got = await ext.readCustomResourceDefinition({ name });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    };
    await waitFor(async () => (await Promise.all(crds.map((c) => established(c.metadata!.name!)))).every(Boolean), 60_000, 250);
    const names = (await ext.listCustomResourceDefinition()).items.map((c) => c.metadata?.name);
    expect(names).toContain('virtualservices.networking.istio.io');
    expect(names).toContain('authorizationpolicies.security.istio.io');
  }, 90_000);

  it('stops etcd and kube-apiserver and removes its folder', async () => {
    const current = env!;
    const pids = pidsWithCwd(current.dir);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await current.stop();
    env = undefined;
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(existsSync(current.dir)).toBe(false);
    await expect(fetch(`${current.url}/readyz`)).rejects.toThrow();
  }, 60_000);
});

describe('startKubeEnv failures', () => {
  it('reports the apiserver log and cleans up when the apiserver cannot start', async () => {
    const failure = await startKubeEnv({ apiserverArgs: ['--no-such-flag'] }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/kube-apiserver exited .*\n[\s\S]*unknown flag: --no-such-flag/);
    const dir = /from (\S+)\/kube-apiserver\.log/.exec(failure?.message ?? '')?.[1];
    expect(dir).toMatch(/mesh-kube-env-/);
    expect(existsSync(dir!)).toBe(false);
    // etcd was started first: it must be gone too (its cwd was the removed folder).
    expect([...pidsWithCwd(dir!), ...pidsWithCwd(`${dir!} (deleted)`)]).toEqual([]);
  }, START_TIMEOUT);
});

describe('startKubeEnv when the test process is killed', () => {
  it('its reaper kills etcd and kube-apiserver and removes the folder', async () => {
    const kubeEnvModule = fileURLToPath(new URL('./kube-env.ts', import.meta.url));
    const script = [
      `const { startKubeEnv } = await import(${JSON.stringify(kubeEnvModule)});`,
      'const env = await startKubeEnv();',
      'console.log(env.dir);',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--conditions=@mesh/source', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pids: number[] = [];
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(() => /mesh-kube-env-\S+\n/.test(output) || child.exitCode !== null, START_TIMEOUT, 100);
      const dir = /(\S*mesh-kube-env-\S+)\n/.exec(output)?.[1];
      expect(dir, output).toBeDefined();
      pids = pidsWithCwd(dir!);
      expect(pids.length).toBeGreaterThanOrEqual(2);
      child.kill('SIGKILL'); // no exit hook runs: only the reaper can clean up
      await waitFor(() => pids.every((pid) => !pidAlive(pid)) && !existsSync(dir!), 20_000, 200);
    } finally {
      child.kill('SIGKILL');
      for (const pid of pids.filter(pidAlive)) process.kill(-pid, 'SIGKILL'); // only if the reaper failed
    }
  }, START_TIMEOUT);
});

describe('startKubeEnv with the controller manager', () => {
  let env: KubeEnv | undefined;

  beforeAll(async () => {
    env = await startKubeEnv({ withControllerManager: true });
  }, START_TIMEOUT);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('turns a Deployment into Pending Pods (no nodes to schedule on)', async () => {
    const { apps, core } = clients(env!);
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });
    let phases: (string | undefined)[] = [];
    await waitFor(async () => {
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
      phases = pods.items.map((p) => p.status?.phase);
      return phases.length === 2;
    }, 60_000, 250);
    expect(phases).toEqual(['Pending', 'Pending']);
    const sets = await apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=web' });
    expect(sets.items).toHaveLength(1);
    expect(sets.items[0]?.metadata?.ownerReferences?.[0]?.name).toBe('web');
  }, 90_000);
});
