// The local mesh: one run slot with its bridge, istiod in its own namespace reading a config directory, and pods
// with sidecars. Tests start one per file and switch Istio config by rewriting files in the directory.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { appCommand } from '@mesh/testing';
import { AddressPool, slotNetwork, type SlotNetwork } from './addresses.ts';
import { ConfigDir, namespaceObject, podObject, serviceObject, type KubeDoc } from './config-dir.ts';
import { renderHosts, writeHostsFile, type ServiceName } from './hosts-file.ts';
import { createSlotNetwork } from './network.ts';
import { startPod, type Pod, type PodSpec } from './pod.ts';
import { forwardPort, type PortForward } from './port-forward.ts';
import { assertPrivileges } from './privileges.ts';
import { startReaper } from './reaper.ts';
import { RunRegistry } from './run-registry.ts';
import { waitUntil } from './wait.ts';

/** Options of a local mesh run. */
export interface LocalMeshOptions {
  /** Where pod roots, logs and the config directory go (default /tmp/mesh-local/slot-<n>). */
  workDir?: string;
  /** Start the reaper that cleans up if this process is killed (default true). */
  reaper?: boolean;
  /** MeshConfig YAML for the `istio` ConfigMap (default: defaultLocalMeshConfig). */
  meshConfig?: string;
}

/**
 * Mesh config of the local mesh. Sidecars talk to istiod over plaintext xDS (controlPlaneAuthPolicy NONE). Each
 * agent gets its workload certificate from istiod's CA (with a token the runner mints) and serves it over its SDS
 * socket; mesh-proxy fetches `default` and `ROOTCA` from there, so automatic mutual TLS between sidecars is on,
 * as upstream's default.
 */
export const defaultLocalMeshConfig = 'accessLogFile: /dev/stdout\n';

function meshConfigMap(mesh: string): KubeDoc {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh } };
}

/** A Service known to the mesh. */
export interface MeshService extends ServiceName {
  ports: { name?: string; port: number; targetPort?: number | string }[];
}

/** A running local mesh; stop() removes everything it made. */
export class LocalMesh {
  readonly reg: RunRegistry;
  readonly net: SlotNetwork;
  readonly workDir: string;
  readonly config: ConfigDir;
  readonly pods = new Map<string, Pod>();
  readonly services: MeshService[] = [];
  private readonly addresses: AddressPool;
  private readonly forwards: PortForward[] = [];
  private istiodIp: string | undefined;
  private stopping: Promise<string[]> | undefined;

  private constructor(reg: RunRegistry, workDir: string) {
    this.reg = reg;
    this.net = slotNetwork(reg.slot);
    this.addresses = new AddressPool(this.net);
    this.workDir = workDir;
    this.config = new ConfigDir(join(workDir, 'config'));
  }

  /** Checks privileges, reaps crashed runs, claims a slot and creates its network. */
  static async create(opts: LocalMeshOptions = {}): Promise<LocalMesh> {
    assertPrivileges();
    const reg = await RunRegistry.acquire();
    const workDir = opts.workDir ?? `/tmp/mesh-local/slot-${reg.slot}`;
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    if (opts.reaper !== false) startReaper(join(workDir, 'reaper.log'));
    const mesh = new LocalMesh(reg, workDir);
    try {
      await createSlotNetwork(reg, mesh.net);
      mesh.config.writeObjects('namespaces', [namespaceObject('istio-system'), namespaceObject('default', { 'istio-injection': 'enabled' })]);
      mesh.config.writeObjects('mesh-config', [meshConfigMap(opts.meshConfig ?? defaultLocalMeshConfig)]);
    } catch (err) {
      await mesh.stop();
      throw err;
    }
    return mesh;
  }

  /** The address proxies use for xDS (istiod's pod IP, plaintext port 15010). */
  get discoveryAddress(): string {
    if (!this.istiodIp) throw new Error('istiod is not started: call startIstiod() before starting pods with proxies');
    return `${this.istiodIp}:15010`;
  }

  /** Starts istiod in its own namespace on the config directory; resolves once /ready answers 200. */
  async startIstiod(timeoutMs = 60_000): Promise<Pod> {
    const ip = this.addresses.podIp();
    const vip = this.addresses.vip();
    this.addService({ name: 'istiod', namespace: 'istio-system', vip, ports: [{ name: 'grpc-xds', port: 15010 }, { name: 'http-monitoring', port: 15014 }] }, { app: 'istiod', istio: 'pilot' });
    const cmd = appCommand('istiod', ['--configDir', this.config.dir]);
    const pod = await this.startPodAt(
      {
        name: 'istiod',
        namespace: 'istio-system',
        labels: { app: 'istiod', istio: 'pilot' },
        serviceAccount: 'istiod',
        workloadName: 'istiod',
        containerPorts: [15010, 15014, 8080],
        app: { name: 'discovery', command: cmd.command, args: cmd.args, env: { POD_NAMESPACE: 'istio-system', POD_NAME: 'istiod' }, runAsRoot: true },
        proxy: 'none',
      },
      ip,
      false,
    );
    this.istiodIp = ip;
    await waitUntil('istiod to be ready (/ready on :8080)', timeoutMs, async () => {
      if (pod.app && pod.app.exitCode !== undefined) throw new Error(`istiod exited with ${String(pod.app.exitCode)}:\n${pod.app.tail()}`);
      const res = await fetch(`http://${ip}:8080/ready`, { signal: AbortSignal.timeout(1000) });
      return res.status === 200;
    }, () => pod.app?.tail() ?? '');
    return pod;
  }

  /** Registers a Service: allocates its VIP, writes it to the config directory and to every pod's hosts file. */
  addService(svc: Omit<MeshService, 'vip'> & { vip?: string }, selector: Record<string, string>, labels?: Record<string, string>): MeshService {
    const full: MeshService = { ...svc, vip: svc.vip ?? this.addresses.vip() };
    this.services.push(full);
    this.config.writeObjects(`services/${full.namespace}-${full.name}`, [
      serviceObject({ name: full.name, namespace: full.namespace, clusterIP: full.vip, ...(labels ? { labels } : {}), spec: { selector, ports: full.ports } }),
    ]);
    for (const pod of this.pods.values()) this.writeHosts(pod.netns, { podName: pod.spec.name, podIp: pod.ip, namespace: pod.spec.namespace });
    return full;
  }

  /** Starts a pod and, once it is ready, publishes it to istiod (which then adds it to the service endpoints). */
  startPod(spec: PodSpec, timeoutMs = 90_000): Promise<Pod> {
    return this.startPodAt(spec, this.addresses.podIp(), true, timeoutMs);
  }

  private async startPodAt(spec: PodSpec, ip: string, publish: boolean, timeoutMs = 90_000): Promise<Pod> {
    if (this.pods.has(spec.name)) throw new Error(`pod ${spec.name} already exists`);
    const pod = await startPod(
      {
        reg: this.reg,
        net: this.net,
        workDir: this.workDir,
        discoveryAddress: spec.proxy === 'none' ? '' : this.discoveryAddress,
        ...(spec.proxy === 'none' ? {} : { securityDir: `${this.config.dir}-security` }),
        writeHosts: (netns, owner) => this.writeHosts(netns, owner),
      },
      spec,
      ip,
      timeoutMs,
    );
    this.pods.set(spec.name, pod);
    if (publish) {
      this.config.writeObjects(`pods/${spec.namespace}-${spec.name}`, [
        podObject({
          name: spec.name,
          namespace: spec.namespace,
          labels: spec.labels,
          ...(spec.annotations ? { annotations: spec.annotations } : {}),
          serviceAccount: spec.serviceAccount,
          ip,
          hostIp: this.net.bridgeIp,
          containerPorts: spec.containerPorts,
          ...(spec.app ? { appContainer: spec.app.name } : {}),
          sidecar: spec.proxy === 'sidecar',
        }),
      ]);
    }
    return pod;
  }

  private writeHosts(netns: string, owner: { podName: string; podIp: string; namespace: string }): void {
    writeHostsFile(netns, renderHosts(owner, this.services));
  }

  /** A pod by name (throws when unknown). */
  pod(name: string): Pod {
    const p = this.pods.get(name);
    if (!p) throw new Error(`no pod ${name} (have: ${[...this.pods.keys()].join(', ')})`);
    return p;
  }

  /** Publishes a pod port on a host loopback port (0 = any free port); returns the host port. */
  async publish(podName: string, podPort: number, hostPort = 0): Promise<number> {
    const fwd = await forwardPort({ host: this.pod(podName).ip, port: podPort }, hostPort);
    this.forwards.push(fwd);
    return fwd.port;
  }

  /** Stops everything and removes every namespace, link, route, rule and process; returns what could not be removed. */
  stop(): Promise<string[]> {
    this.stopping ??= (async () => {
      await Promise.all(this.forwards.map((f) => f.close()));
      return this.reg.teardown(1500);
    })();
    return this.stopping;
  }
}
