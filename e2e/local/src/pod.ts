// One workload as a pod would run it: its own network namespace, the init step's real iptables (istio-init's
// flags), the app container as an unprivileged uid, and the istio-proxy container (pilot-agent as uid 1337).
import { execFile } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appCommand, appEntry } from '@mesh/testing';
import { startProcess, runToCompletion, wrappedCommand, type ManagedProcess } from './managed-process.ts';
import { createPodNetns } from './network.ts';
import type { SlotNetwork } from './addresses.ts';
import type { RunRegistry } from './run-registry.ts';
import { waitUntil } from './wait.ts';
import { mintWorkloadToken } from './workload-token.ts';

/** The proxy uid the capture rules exempt (`-u 1337`), as in the injected pod. */
export const proxyUid = 1337;
/** The uid app containers run as. */
export const appUid = 1000;

/** istio-init's arguments, as upstream's injector renders them for a default sidecar. */
export const istioInitArgs = ['-p', '15001', '-z', '15006', '-u', String(proxyUid), '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info'];

/** What a pod runs. */
export interface PodSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  serviceAccount: string;
  /** Owning workload (Deployment) name, for node metadata. */
  workloadName: string;
  containerPorts: number[];
  /** The app container; absent for a gateway. */
  app?: { name: string; command: string; args: string[]; env?: Record<string, string>; readyLog?: RegExp; runAsRoot?: boolean };
  /** sidecar: injected pod; router: gateway pod (no capture); none: plain pod. */
  proxy: 'sidecar' | 'router' | 'none';
}

/** Where a pod finds the control plane and keeps its files. */
export interface PodContext {
  reg: RunRegistry;
  net: SlotNetwork;
  workDir: string;
  discoveryAddress: string;
  /** istiod's local-mode security directory (issuer key, root-cert.pem): pods with a proxy get a token from it. */
  securityDir?: string;
  /** Writes the pod's hosts file once its namespace exists. */
  writeHosts: (netns: string, pod: { podName: string; podIp: string; namespace: string }) => void;
}

/** The proxy binary the agent runs: our mesh-proxy from source, or another (e.g. a real Envoy) from MESH_LOCAL_PROXY_BIN. */
const proxyEntry = process.env['MESH_LOCAL_PROXY_BIN'] ?? appEntry('mesh-proxy');

/** A running pod. */
export class Pod {
  readonly spec: PodSpec;
  readonly ip: string;
  readonly netns: string;
  readonly dir: string;
  app: ManagedProcess | undefined;
  agent: ManagedProcess | undefined;

  constructor(spec: PodSpec, ip: string, netns: string, dir: string) {
    this.spec = spec;
    this.ip = ip;
    this.netns = netns;
    this.dir = dir;
  }

  /** Runs a command inside the pod (like `kubectl exec`), as the app uid; resolves with its stdout. */
  exec(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
    const [cmd, ...rest] = wrappedCommand({ label: 'exec', command, args, netns: this.netns, uid: appUid, logPath: '' });
    return new Promise((resolve, reject) => {
      execFile(cmd as string, rest, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`exec in ${this.spec.name}: ${command} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
        else resolve(String(stdout));
      });
    });
  }

  /** Stops the containers (proxy last, so the app's in-flight calls finish). */
  async stop(): Promise<void> {
    await this.app?.stop(1000);
    await this.agent?.stop(2000);
  }
}

function downwardApi(values: Record<string, string>): string {
  return Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n') + '\n';
}

function agentEnv(spec: PodSpec, ip: string, ctx: PodContext): Record<string, string> {
  const proxyConfig = {
    discoveryAddress: ctx.discoveryAddress,
    controlPlaneAuthPolicy: 'NONE',
    binaryPath: proxyEntry,
    drainDuration: '1s',
    terminationDrainDuration: '1s',
  };
  return {
    POD_NAME: spec.name,
    POD_NAMESPACE: spec.namespace,
    INSTANCE_IP: ip,
    SERVICE_ACCOUNT: spec.serviceAccount,
    HOST_IP: ctx.net.bridgeIp,
    PROXY_CONFIG: JSON.stringify(proxyConfig),
    ISTIO_META_WORKLOAD_NAME: spec.workloadName,
    ISTIO_META_OWNER: `kubernetes://apis/apps/v1/namespaces/${spec.namespace}/deployments/${spec.workloadName}`,
    ISTIO_META_CLUSTER_ID: 'Kubernetes',
    ISTIO_META_MESH_ID: 'cluster.local',
    ISTIO_META_INTERCEPTION_MODE: 'REDIRECT',
    ...(spec.app ? { ISTIO_META_APP_CONTAINERS: spec.app.name } : {}),
    ISTIO_META_POD_PORTS: JSON.stringify(spec.containerPorts.map((p) => ({ containerPort: p, protocol: 'TCP' }))),
    HOME: '/tmp',
  };
}

/** Starts a pod: namespace, init, app, proxy; resolves when the app logs readiness and the proxy is ready. */
export async function startPod(ctx: PodContext, spec: PodSpec, ip: string, readyTimeoutMs = 60_000): Promise<Pod> {
  const { netns } = await createPodNetns(ctx.reg, ctx.net, spec.name, ip);
  ctx.writeHosts(netns, { podName: spec.name, podIp: ip, namespace: spec.namespace });
  const dir = join(ctx.workDir, 'pods', spec.name);
  mkdirSync(join(dir, 'etc/istio/pod'), { recursive: true });
  const pod = new Pod(spec, ip, netns, dir);
  const node = process.execPath;

  if (spec.proxy === 'sidecar') {
    const init = appCommand('istio-iptables', istioInitArgs);
    await runToCompletion(ctx.reg, { label: `${spec.name}/istio-init`, command: init.command, args: init.args, netns, logPath: join(dir, 'istio-init.log') });
  }
  if (spec.app) {
    pod.app = startProcess(ctx.reg, {
      label: `${spec.name}/${spec.app.name}`,
      command: spec.app.command,
      args: spec.app.args,
      env: { HOSTNAME: spec.name, ...spec.app.env },
      netns,
      ...(spec.app.runAsRoot ? {} : { uid: appUid }),
      cwd: '/tmp',
      logPath: join(dir, `${spec.app.name}.log`),
    });
  }
  if (spec.proxy !== 'none') {
    writeFileSync(join(dir, 'etc/istio/pod/labels'), downwardApi(spec.labels));
    writeFileSync(join(dir, 'etc/istio/pod/annotations'), downwardApi(spec.annotations ?? {}));
    if (ctx.securityDir) mountServiceAccountToken(dir, mintWorkloadToken(ctx.securityDir, spec.namespace, spec.serviceAccount), join(ctx.securityDir, 'root-cert.pem'));
    chownTree(dir, proxyUid);
    const agent = appCommand('pilot-agent', [
      'proxy',
      spec.proxy,
      '--domain',
      `${spec.namespace}.svc.cluster.local`,
      '--proxyLogLevel=warning',
      '--proxyComponentLogLevel=misc:error',
      '--log_output_level=default:info',
      '--root',
      dir,
    ]);
    pod.agent = startProcess(ctx.reg, {
      label: `${spec.name}/istio-proxy`,
      command: node,
      args: agent.args,
      env: agentEnv(spec, ip, ctx),
      netns,
      uid: proxyUid,
      cwd: dir,
      logPath: join(dir, 'istio-proxy.log'),
    });
  }
  await waitForPod(pod, readyTimeoutMs);
  return pod;
}

// What the injector mounts for the CA: the projected token (istio-token) and the istio-ca-root-cert ConfigMap.
function mountServiceAccountToken(dir: string, token: string, rootCertPath: string): void {
  mkdirSync(join(dir, 'var/run/secrets/tokens'), { recursive: true });
  mkdirSync(join(dir, 'var/run/secrets/istio'), { recursive: true });
  writeFileSync(join(dir, 'var/run/secrets/tokens/istio-token'), token, { mode: 0o600 });
  if (existsSync(rootCertPath)) copyFileSync(rootCertPath, join(dir, 'var/run/secrets/istio/root-cert.pem'));
}

function chownTree(dir: string, uid: number): void {
  chownSync(dir, uid, uid);
  for (const sub of ['etc', 'etc/istio', 'etc/istio/pod', 'etc/istio/pod/labels', 'etc/istio/pod/annotations']) {
    chownSync(join(dir, sub), uid, uid);
  }
  for (const sub of ['var', 'var/run', 'var/run/secrets', 'var/run/secrets/tokens', 'var/run/secrets/tokens/istio-token', 'var/run/secrets/istio', 'var/run/secrets/istio/root-cert.pem']) {
    if (existsSync(join(dir, sub))) chownSync(join(dir, sub), uid, uid);
  }
}

async function waitForPod(pod: Pod, timeoutMs: number): Promise<void> {
  const spec = pod.spec;
  const failed = () => {
    for (const p of [pod.app, pod.agent]) {
      if (p && p.exitCode !== undefined) throw new Error(`${p.label} exited with ${String(p.exitCode)} while starting:\n${p.tail()}`);
    }
  };
  if (pod.app && spec.app?.readyLog) {
    const app = pod.app;
    const re = spec.app.readyLog;
    await waitUntil(`${app.label} to log ${String(re)}`, timeoutMs, () => {
      failed();
      return re.test(app.tail(50));
    }, () => app.tail());
  }
  if (pod.agent) {
    const agent = pod.agent;
    // The kubelet's readiness probe of istio-proxy: the proxy's health listener, served once it has its config.
    await waitUntil(`${agent.label} to be ready (http://${pod.ip}:15021/healthz/ready)`, timeoutMs, async () => {
      failed();
      const res = await fetch(`http://${pod.ip}:15021/healthz/ready`, { signal: AbortSignal.timeout(1000) });
      return res.status === 200;
    }, () => agent.tail());
  }
}
