// A real, throwaway Kubernetes control plane for integration tests: etcd + kube-apiserver (+ optionally
// kube-controller-manager) on loopback, with certificates made by openssl in a temp folder. The binaries come from
// tools/testenv (`npm run testenv`), found through the stable links it writes in <cache>/bin.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { freePort } from './ports.ts';

const execFileAsync = promisify(execFile);

/** Options for {@link startKubeEnv}. */
export interface KubeEnvOptions {
  /** Also run kube-controller-manager (Deployments → ReplicaSets → Pods, default ServiceAccounts, GC). */
  withControllerManager?: boolean;
  /** Extra kube-apiserver flags, appended last (e.g. `--disable-admission-plugins=ServiceAccount`). */
  apiserverArgs?: string[];
  /** How long to wait for /readyz (and the controller manager), in ms. */
  startTimeoutMs?: number;
}

/** A running control plane; `stop()` kills every process it started and removes its temp folder. */
export interface KubeEnv {
  /** kubeconfig of an admin user (client certificate, group system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> of kube-apiserver. */
  url: string;
  /** Temp folder with certs, etcd data and the process logs (`<name>.log`). */
  dir: string;
  /** PEM of the CA that signed the serving and client certificates. */
  caPem: string;
  stop(): Promise<void>;
}

/** The testenv cache folder (same rule as tools/testenv/install.mjs). */
export function testenvCache(): string {
  return process.env['MESH_TESTENV_CACHE'] || join(homedir(), '.cache', 'mesh-testenv');
}

/** Absolute path of a binary installed by `npm run testenv`; throws with the fix when it is missing. */
export function testenvBin(name: string): string {
  const path = join(testenvCache(), 'bin', name);
  if (!existsSync(path)) {
    throw new Error(`${name} not found at ${path}: run \`npm run testenv\` to build the reference binaries`);
  }
  return path;
}

/** True when every named testenv binary is installed (for `describe.skipIf`). */
export function hasTestenvBins(...names: string[]): boolean {
  return names.every((name) => existsSync(join(testenvCache(), 'bin', name)));
}

interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

// No default extensions from the system openssl.cnf: every extension is given explicitly below.
const OPENSSL_CONFIG = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n';

async function openssl(dir: string, args: string[]): Promise<void> {
  await execFileAsync('openssl', args, { cwd: dir, env: { ...process.env, OPENSSL_CONF: join(dir, 'openssl.cnf') } });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes a CA, the apiserver serving cert, an admin client cert and the service-account signing key. */
async function makePki(dir: string): Promise<Pki> {
  writeFileSync(join(dir, 'openssl.cnf'), OPENSSL_CONFIG);
  const p = (name: string): string => join(dir, name);
  const leaf = (name: string, subject: string, extensions: string[]): string[] => [
    'req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', subject,
    '-CA', 'ca.crt', '-CAkey', 'ca.key', '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature', ...extensions.flatMap((e) => ['-addext', e]),
  ];
  await openssl(dir, [
    'req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=mesh-testenv-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const sans = 'IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc';
  await Promise.all([
    openssl(dir, leaf('serving', '/CN=kube-apiserver', ['extendedKeyUsage=serverAuth', `subjectAltName=${sans}`])),
    openssl(dir, leaf('admin', '/O=system:masters/CN=mesh-admin', ['extendedKeyUsage=clientAuth'])),
    openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key']),
  ]);
  await openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  return {
    caCert: p('ca.crt'), caKey: p('ca.key'), servingCert: p('serving.crt'), servingKey: p('serving.key'),
    adminCert: p('admin.crt'), adminKey: p('admin.key'), saKey: p('sa.key'), saPub: p('sa.pub'),
  };
}

function writeKubeconfig(path: string, url: string, pki: Pki): void {
  const b64 = (file: string): string => readFileSync(file).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'testenv', cluster: { server: url, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [
      {
        name: 'mesh-admin',
        user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) },
      },
    ],
    contexts: [{ name: 'testenv', context: { cluster: 'testenv', user: 'mesh-admin', namespace: 'default' } }],
    'current-context': 'testenv',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

/** A child process in its own process group, with output in `<dir>/<name>.log`. */
interface Supervised {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
}

const running = new Set<Supervised>();
let exitHookInstalled = false;

// If the test process dies without calling stop(), do not leave etcd/apiserver behind.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const proc of running) killGroup(proc, 'SIGKILL');
  });
}

function killGroup(proc: Supervised, signal: NodeJS.Signals): void {
  if (proc.child.pid === undefined || !isRunning(proc)) return;
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    // already gone
  }
}

// A test runner may SIGKILL its worker (timeouts, Ctrl-C), and then no 'exit' hook runs. The reaper is a tiny shell
// that outlives the test process: once that process is gone it kills every group listed in <dir>/pgids and removes
// the folder. stop() kills the reaper after a clean shutdown, when pgids no longer exists.
const REAPER = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
if [ -f "$2/pgids" ]; then for g in $(cat "$2/pgids"); do kill -KILL -"$g" 2>/dev/null; done; rm -rf "$2"; fi
`;

function startReaper(dir: string): ChildProcess {
  const reaper = spawn('sh', ['-c', REAPER, 'mesh-kube-env-reaper', String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  reaper.unref();
  return reaper;
}

/** Spawns `bin` and records it in `procs` at once, so a failed start is still stopped and cleaned up. */
function startProcess(procs: Supervised[], dir: string, name: string, bin: string, args: string[]): Supervised {
  installExitHook();
  const logPath = join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(bin, args, { cwd: dir, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid !== undefined) appendFileSync(join(dir, 'pgids'), `${child.pid}\n`); // detached: pid is the pgid
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const proc = { name, child, logPath, exited };
  procs.push(proc);
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** SIGTERM the process group, SIGKILL after `graceMs`, and wait for the exit. */
async function stopProcess(proc: Supervised, graceMs = 10_000): Promise<void> {
  killGroup(proc, 'SIGTERM');
  const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

function logTail(proc: Supervised, lines = 30): string {
  try {
    return readFileSync(proc.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function isRunning(proc: Supervised): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

/** Polls `check` until it returns true; fails early, with the log tail, if the process exits first. */
async function waitForProcess(
  proc: Supervised, what: string, check: () => Promise<boolean>, timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(proc) && Date.now() < deadline) {
    const ok = await check().catch(() => false); // connection refused etc.: not up yet
    if (ok) return;
    await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, 200))]);
  }
  const state = isRunning(proc)
    ? `not ${what} after ${timeoutMs} ms`
    : `exited (${proc.child.exitCode !== null ? `code ${proc.child.exitCode}` : proc.child.signalCode})`;
  throw new Error(`${proc.name} ${state}; last log lines from ${proc.logPath}:\n${logTail(proc)}`);
}

/** GET over mTLS as the admin user; resolves with the status code and body. */
function adminGet(url: string, pki: Pki): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.adminCert),
      key: readFileSync(pki.adminKey),
      timeout: 5000,
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// freePort() only finds a port that was free a moment ago; with several test processes on one machine another one
// may bind it first. A start that failed that way is retried with fresh ports.
const PORT_ATTEMPTS = 3;

async function withPortRetry<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const portTaken = error instanceof Error && /address already in use/.test(error.message);
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function startEtcd(procs: Supervised[], dir: string, timeoutMs: number): Promise<string> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = startProcess(procs, dir, 'etcd', testenvBin('etcd'), [
    '--name=testenv', `--data-dir=${join(dir, `etcd-${clientPort}`)}`, // fresh per attempt (see withPortRetry)
    `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=testenv=${peer}`,
    '--unsafe-no-fsync', // throwaway data: skip fsync so tests do not wait on the disk
    '--log-level=warn',
  ]);
  await waitForProcess(proc, 'healthy', async () => {
    const res = await fetch(`${url}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  }, timeoutMs);
  return url;
}

async function startApiserver(
  procs: Supervised[], dir: string, etcdUrl: string, pki: Pki, options: KubeEnvOptions, timeoutMs: number,
): Promise<string> {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const proc = startProcess(procs, dir, 'kube-apiserver', testenvBin('kube-apiserver'), [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
    // The `kubernetes` Service would get 127.0.0.1 as endpoint, which Endpoints validation rejects.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
    ...(options.apiserverArgs ?? []),
  ]);
  await waitForProcess(proc, 'ready', async () => (await adminGet(`${url}/readyz`, pki)).status === 200, timeoutMs);
  return url;
}

async function startControllerManager(
  procs: Supervised[], dir: string, url: string, pki: Pki, kubeconfigPath: string, timeoutMs: number,
): Promise<void> {
  const proc = startProcess(procs, dir, 'kube-controller-manager', testenvBin('kube-controller-manager'), [
    `--kubeconfig=${kubeconfigPath}`,
    '--secure-port=0', // no serving endpoint needed; readiness is observed through the API below
    '--leader-elect=false',
    `--service-account-private-key-file=${pki.saKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${pki.caKey}`,
    '--controllers=*',
  ]);
  // The serviceaccount controller creating `default/default` shows the controllers are running.
  const sa = `${url}/api/v1/namespaces/default/serviceaccounts/default`;
  await waitForProcess(proc, 'running', async () => (await adminGet(sa, pki)).status === 200, timeoutMs);
}

/** Starts etcd and kube-apiserver (and optionally kube-controller-manager) on loopback; see {@link KubeEnv}. */
export async function startKubeEnv(options: KubeEnvOptions = {}): Promise<KubeEnv> {
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  // Fail fast, before creating anything, when the binaries were never installed.
  testenvBin('etcd');
  testenvBin('kube-apiserver');
  if (options.withControllerManager) testenvBin('kube-controller-manager');

  const dir = mkdtempSync(join(tmpdir(), 'mesh-kube-env-'));
  const procs: Supervised[] = [];
  const reaper = startReaper(dir);
  const stop = async (): Promise<void> => {
    // Reverse start order: controllers, then the apiserver, then its storage.
    for (const proc of [...procs].reverse()) await stopProcess(proc);
    procs.length = 0;
    rmSync(dir, { recursive: true, force: true });
    reaper.kill('SIGKILL');
  };
  try {
    const pki = await makePki(dir);
    const etcdUrl = await withPortRetry(() => startEtcd(procs, dir, timeoutMs));
    const url = await withPortRetry(() => startApiserver(procs, dir, etcdUrl, pki, options, timeoutMs));
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, url, pki);
    if (options.withControllerManager) {
      await startControllerManager(procs, dir, url, pki, kubeconfigPath, timeoutMs);
    }
    return { kubeconfigPath, url, dir, caPem: readFileSync(pki.caCert, 'utf8'), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
