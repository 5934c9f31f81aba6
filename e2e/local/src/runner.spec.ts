// The runner itself, without istiod or proxies: namespaces, addresses, hosts files, pod-to-pod traffic over the
// bridge, and teardown that leaves nothing behind, also after the owner is SIGKILLed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalMesh } from './local-mesh.ts';
import { missingPrivileges } from './privileges.ts';
import { RunRegistry } from './run-registry.ts';
import { linkExists, netnsList, slotLeftovers as leftovers } from './slot-leftovers.ts';
import { renderHosts } from './hosts-file.ts';
import type { ProcessIdentity } from './process-identity.ts';
import type { Resource } from './resources.ts';
import { bookinfoCommand, loadCommand, sleeperPod } from './workloads.ts';
import { waitUntil } from './wait.ts';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('privileges', () => {
  it('explains what is missing without CAP_NET_ADMIN', () => {
    expect(missingPrivileges(0n)).toMatch(/needs root \(missing CAP_NET_ADMIN and CAP_SYS_ADMIN\)/);
    expect(missingPrivileges(0n)).toMatch(/sudo npm run demo/);
  });
});

describe('hosts file', () => {
  it('gives FQDN forms for every service and the short name only in the own namespace', () => {
    const text = renderHosts({ podName: 'p', podIp: '10.250.0.9', namespace: 'default' }, [
      { name: 'details', namespace: 'default', vip: '10.251.0.10' },
      { name: 'istiod', namespace: 'istio-system', vip: '10.251.0.11' },
    ]);
    expect(text).toContain('10.250.0.9\tp\n');
    expect(text).toContain('10.251.0.10\tdetails.default.svc.cluster.local details.default.svc details.default details\n');
    expect(text).toContain('10.251.0.11\tistiod.istio-system.svc.cluster.local istiod.istio-system.svc istiod.istio-system\n');
  });
});

describe('plain pods on the bridge', () => {
  let mesh: LocalMesh;
  let slot: number;
  const pids: ProcessIdentity[] = [];

  beforeAll(async () => {
    mesh = await LocalMesh.create({ reaper: false });
    slot = mesh.reg.slot;
    mesh.addService({ name: 'details', namespace: 'default', ports: [{ name: 'http', port: 9080 }] }, { app: 'details' });
    const details = await mesh.startPod({
      name: 'details-v1-plain',
      namespace: 'default',
      labels: { app: 'details', version: 'v1' },
      serviceAccount: 'bookinfo-details',
      workloadName: 'details-v1',
      containerPorts: [9080],
      app: { name: 'details', ...bookinfoCommand('details', 9080), readyLog: /listening on/ },
      proxy: 'none',
    });
    const client = await mesh.startPod(sleeperPod('client'));
    for (const p of [details.app, client.app]) if (p) pids.push(p.identity);
  });

  afterAll(async () => {
    await mesh?.stop();
  });

  it('creates one namespace per pod, the bridge, the VIP blackhole and the no-forwarding rules', () => {
    expect(netnsList()).toEqual(expect.arrayContaining([`mesh${slot}-details-v1-plain`, `mesh${slot}-client`]));
    expect(linkExists(`meshbr${slot}`)).toBe(true);
    expect(sh('ip', ['route', 'show', 'type', 'blackhole'])).toContain(`10.251.${slot}.0/24`);
    const forward = sh('iptables', ['-w', '-S', 'FORWARD']);
    expect(forward).toContain(`-A FORWARD -i meshbr${slot} ! -o meshbr${slot} -j DROP`);
    expect(forward).toContain(`-A FORWARD ! -i meshbr${slot} -o meshbr${slot} -j DROP`);
    // Each pod sees only loopback and its own eth0, with its default route via the bridge.
    const routes = sh('ip', ['-n', `mesh${slot}-client`, 'route', 'show']);
    expect(routes).toContain(`default via 10.250.${slot}.1 dev eth0`);
  });

  it('resolves service names to the VIP through the namespace hosts file', async () => {
    const client = mesh.pod('client');
    const vip = mesh.services.find((s) => s.name === 'details')?.vip;
    expect(vip).toMatch(new RegExp(`^10\\.251\\.${slot}\\.`));
    expect((await client.exec('getent', ['hosts', 'details'])).split(/\s+/)[0]).toBe(vip);
    expect((await client.exec('getent', ['hosts', 'details.default.svc.cluster.local'])).split(/\s+/)[0]).toBe(vip);
    // Services added later show up in running pods (the hosts file is rewritten in place).
    const later = mesh.addService({ name: 'ratings', namespace: 'default', ports: [{ name: 'http', port: 9080 }] }, { app: 'ratings' });
    expect((await client.exec('getent', ['hosts', 'ratings'])).split(/\s+/)[0]).toBe(later.vip);
  });

  it('lets a pod without a sidecar reach another pod over the bridge, and not the blackholed VIP', async () => {
    const client = mesh.pod('client');
    const details = mesh.pod('details-v1-plain');
    const load = loadCommand(`http://${details.ip}:9080/details/0`, 1, 3);
    const result = JSON.parse(await client.exec(load.command, load.args)) as { codes: Record<string, number> };
    expect(result.codes).toEqual({ '200': 3 });
    // Without a sidecar nothing serves the VIP: no kube-proxy, and the host does not forward.
    const connect = "require('node:net').connect(9080, 'details').on('connect', () => process.exit(0)).on('error', () => process.exit(1))";
    await expect(client.exec('timeout', ['2', process.execPath, '-e', connect])).rejects.toThrow(/exec in client/);
  });

  it('removes every namespace, link, route, rule and process on stop', async () => {
    const problems = await mesh.stop();
    expect(problems).toEqual([]);
    expect(leftovers(slot, pids)).toEqual([]);
    expect(existsSync(`/etc/netns/mesh${slot}-client`)).toBe(false);
  });
});

describe('a run whose owner is killed', () => {
  const fixture = fileURLToPath(new URL('./fixtures/hold-mesh.ts', import.meta.url));

  async function startHolder(args: string[]) {
    const child = spawn(process.execPath, ['--conditions=@mesh/source', fixture, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitUntil('the holder to print its slot', 60_000, () => out.includes('\n'));
    return { child, info: JSON.parse(out) as { slot: number; netns: string[]; pids: ProcessIdentity[] } };
  }

  it('is cleaned up by its reaper after SIGKILL', async () => {
    const { child, info } = await startHolder([]);
    expect(netnsList()).toEqual(expect.arrayContaining(info.netns));
    child.kill('SIGKILL');
    await waitUntil('the reaper to remove the run', 30_000, () => leftovers(info.slot, info.pids).length === 0, () => leftovers(info.slot, info.pids).join(', '));
  });

  it('without a reaper, is cleaned up by the next run when it starts', async () => {
    const { child, info } = await startHolder(['--no-reaper']);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The pods' processes die with their parent (parent-death signal); the host objects stay until the next start.
    expect(leftovers(info.slot).length).toBeGreaterThan(0);
    const next = await RunRegistry.acquire();
    try {
      // The new run may have claimed the freed slot; its own state file is not a leftover.
      const left = leftovers(info.slot, info.pids).filter((l) => !(l === 'state file' && next.slot === info.slot));
      expect(left).toEqual([]);
    } finally {
      await next.teardown();
    }
  });
});

describe('runs sharing a state directory', () => {
  const fixture = fileURLToPath(new URL('./fixtures/claim-slot.ts', import.meta.url));
  let dir: string;
  let fakeReaper: ChildProcess | undefined;
  const link = `mrtest${process.pid % 100_000}`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-local-state-'));
  });

  afterAll(() => {
    fakeReaper?.kill('SIGKILL');
    if (linkExists(link)) sh('ip', ['link', 'del', link]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the claim fixture against the private state directory; resolves with its output and exit code. */
  function claim(): { done: Promise<{ code: number | null; out: string }>; out: () => string } {
    const child = spawn(process.execPath, ['--conditions=@mesh/source', fixture], { env: { ...process.env, MESH_LOCAL_STATE_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return { done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, out }))), out: () => out };
  }

  const stateOf = (slot: number, resources: Resource[]) => JSON.stringify({ slot, owner: { pid: 1, startTime: 'gone' }, startedAt: new Date().toISOString(), resources });

  it('does not claim a slot another live process is still reaping; claims it once the reaping ends', async () => {
    fakeReaper = spawn('sleep', ['60']);
    const reapingFile = join(dir, `slot-0.json.reaping-${fakeReaper.pid}`);
    writeFileSync(reapingFile, stateOf(0, []));
    const run = claim();
    await new Promise((r) => setTimeout(r, 1500));
    expect(run.out()).toBe('');
    rmSync(reapingFile);
    const { code, out } = await run.done;
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ slot: 0 });
  });

  it('finishes the job of a reaper that died half-way', async () => {
    sh('ip', ['link', 'add', link, 'type', 'bridge']);
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(join(dir, `slot-3.json.reaping-${dead.pid}`), stateOf(3, [{ kind: 'link', name: link }]));
    const { code } = await claim().done;
    expect(code).toBe(0);
    expect(linkExists(link)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('slot-3'))).toEqual([]);
  });
});
