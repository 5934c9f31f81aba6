// Acceptance (issue 2, item 4): in a network namespace with istio-iptables REDIRECT rules, outbound connections
// captured on 15001 reach the listener for their original destination, and inbound ones on 15006 reach the local app.
// Real parts only: two namespaces joined by a veth pair, the init app's real rules, mesh-proxy running as uid 1337,
// and plain apps running as uid 1000. Needs root; fails (never skips) when it cannot run.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCommand, repoRoot, waitFor } from '@mesh/testing';

const CLIENT_IP = '10.199.0.1';
const SERVER_IP = '10.199.0.2';
const PROXY_UID = 1337;
const APP_UID = 1000;
// Istio's default sidecar concurrency. Workers report their counters to the admin thread once a second, so the
// tests wait one report interval before reading /stats.
const CONCURRENCY = 2;
const STATS_REPORT_MS = 1_000;
// The injector's istio-init arguments.
const INIT_ARGS = ['-p', '15001', '-z', '15006', '-u', String(PROXY_UID), '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'];
const testdata = resolve(repoRoot, 'apps/proxy/testdata/capture');
const httpApp = join(testdata, 'http-app.mjs');
// Raw TCP fixture: `serve` answers each connection with one JSON line describing it; `connect` prints the reply.
const tcpPeer = resolve(repoRoot, 'libs/sockopt/src/fixtures/netns-peer.ts');

function requireRootAndNetns(): void {
  if (process.getuid?.() !== 0) throw new Error('capture-netns.spec.ts needs root (network namespaces, iptables, setpriv); run it as root');
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(`"ip netns" is not usable here: ${probe.error?.message ?? probe.stderr}`);
  for (const tool of ['iptables-restore', 'setpriv', 'curl']) {
    if (spawnSync('which', [tool]).status !== 0) throw new Error(`capture-netns.spec.ts needs ${tool} on PATH`);
  }
}

/** argv prefix that runs a command inside `ns`, optionally as another uid. */
function inNs(ns: string, uid: number | undefined, argv: string[]): string[] {
  const asUser = uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  return ['netns', 'exec', ns, ...asUser, ...argv];
}

/** A network namespace owned by this test, with the background processes started in it. */
class Pod {
  readonly ns: string;
  readonly children: ChildProcess[] = [];
  readonly output = new Map<ChildProcess, string>();

  constructor(ns: string) {
    this.ns = ns;
    execFileSync('ip', ['netns', 'add', ns]);
    this.exec('ip', 'link', 'set', 'lo', 'up');
  }

  exec(...argv: string[]): string {
    return execFileSync('ip', inNs(this.ns, undefined, argv), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  run(argv: string[], uid?: number): { code: number; stdout: string; stderr: string } {
    const res = spawnSync('ip', inNs(this.ns, uid, argv), { encoding: 'utf8', timeout: 30_000 });
    return { code: res.status ?? 1, stdout: res.stdout ?? '', stderr: `${res.stderr ?? ''}${res.error ? res.error.message : ''}` };
  }

  /** Starts a long-running process; resolves once it prints `ready` (or at once when `ready` is false). */
  async start(argv: string[], uid: number | undefined, ready = true): Promise<ChildProcess> {
    const child = spawn('ip', inNs(this.ns, uid, argv), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    this.output.set(child, '');
    const append = (d: Buffer): void => void this.output.set(child, `${this.output.get(child) ?? ''}${d.toString()}`);
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    if (!ready) return child;
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`${argv.join(' ')} not ready after 20s: ${this.output.get(child) ?? ''}`)), 20_000);
      const onData = (): void => {
        if (!(this.output.get(child) ?? '').includes('ready')) return;
        clearTimeout(timer);
        res();
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`${argv.join(' ')} exited with ${code}: ${this.output.get(child) ?? ''}`));
      });
    });
    return child;
  }

  /** Kills what this test started here and deletes the namespace (best effort, for afterAll). */
  async destroy(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((res) => {
            if (c.exitCode !== null || c.signalCode !== null) return res();
            c.once('exit', () => res());
            c.kill('SIGKILL');
          }),
      ),
    );
    spawnSync('ip', ['netns', 'del', this.ns]);
  }
}

interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP GET with curl inside a pod (as `uid`), parsed into status, lower-cased headers and body. */
function curl(pod: Pod, url: string, uid?: number, extra: string[] = []): HttpReply {
  const res = pod.run(['curl', '-sS', '-i', '--max-time', '10', ...extra, url], uid);
  if (res.code !== 0) throw new Error(`curl ${url} in ${pod.ns} failed (${res.code}): ${res.stderr}`);
  const split = res.stdout.indexOf('\r\n\r\n');
  const head = res.stdout.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(head[0]?.split(' ')[1] ?? 0), headers, body: res.stdout.slice(split + 4) };
}

/** curl with an explicit Host header (the address dialled stays `url`'s). */
function curlWithHost(pod: Pod, url: string, host: string, uid?: number): HttpReply {
  return curl(pod, url, uid, ['-H', `Host: ${host}`]);
}

interface TcpReply {
  ok: boolean;
  error?: string;
  reply?: { tag: string; originalDst: unknown; localAddress: string; localPort: number; remoteAddress: string };
}

/** A raw TCP connection from a pod (as `uid`) to host:port; the echo fixture answers with what it saw. */
function tcpConnect(pod: Pod, host: string, port: number, uid?: number): TcpReply {
  const res = pod.run([process.execPath, '--conditions=@mesh/source', tcpPeer, 'connect', host, String(port), '5000'], uid);
  return JSON.parse(res.stdout.trim() || `{"ok":false,"error":${JSON.stringify(res.stderr)}}`) as TcpReply;
}

function stripMapped(a: string | undefined): string | undefined {
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}

describe('transparent capture: istio-iptables + mesh-proxy in network namespaces', () => {
  const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  let client: Pod | undefined;
  let server: Pod | undefined;
  let proxy: ChildProcess | undefined;
  let serverApp: ChildProcess | undefined;
  let clientApp: ChildProcess | undefined;
  let undeclaredApp: ChildProcess | undefined;
  let dir: string | undefined;

  function stats(): Map<string, number> {
    if (!client) throw new Error('client pod not created');
    const res = client.run(['curl', '-sS', '--max-time', '5', 'http://127.0.0.1:15000/stats']);
    if (res.code !== 0) throw new Error(`admin /stats failed: ${res.stderr}`);
    const out = new Map<string, number>();
    for (const line of res.stdout.split('\n')) {
      const m = /^(\S+): (\d+)$/.exec(line);
      if (m?.[1] && m[2]) out.set(m[1], Number(m[2]));
    }
    return out;
  }
  /** /stats once every worker has reported the traffic sent so far. */
  async function settledStats(): Promise<Map<string, number>> {
    await new Promise((r) => setTimeout(r, STATS_REPORT_MS + 300));
    return stats();
  }
  const counter = (s: Map<string, number>, name: string): number => s.get(name) ?? 0;
  // Requests an app logged on stdout (one JSON line each).
  function requestsSeen(pod: Pod | undefined, app: ChildProcess | undefined): { url: string; remoteAddress: string; headers: Record<string, string> }[] {
    const text = (app && pod?.output.get(app)) ?? '';
    return text
      .split('\n')
      .filter((l) => l.startsWith('{"request"'))
      .map((l) => (JSON.parse(l) as { request: { url: string; remoteAddress: string; headers: Record<string, string> } }).request);
  }
  function proxyLog(): string {
    return (proxy && client?.output.get(proxy)) ?? '';
  }

  beforeAll(async () => {
    requireRootAndNetns();
    client = new Pod(`mesh-cap-client-${run}`);
    server = new Pod(`mesh-cap-server-${run}`);
    // A veth pair between the two test namespaces; nothing touches the host's interfaces.
    client.exec('ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', server.ns);
    client.exec('ip', 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0');
    client.exec('ip', 'link', 'set', 'eth0', 'up');
    server.exec('ip', 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'eth0');
    server.exec('ip', 'link', 'set', 'eth0', 'up');

    const node = process.execPath;
    [serverApp, clientApp, undeclaredApp] = await Promise.all([
      server.start([node, httpApp, '0.0.0.0', '8080', 'server-8080'], APP_UID),
      client.start([node, httpApp, '0.0.0.0', '9080', 'client-app-9080'], APP_UID),
      client.start([node, httpApp, '0.0.0.0', '9090', 'undeclared-9090'], APP_UID),
      server.start([node, '--conditions=@mesh/source', tcpPeer, 'serve', '0.0.0.0', '7070', 'echo-7070'], APP_UID),
      client.start([node, '--conditions=@mesh/source', tcpPeer, 'serve', '0.0.0.0', '15020', 'agent-15020'], APP_UID),
    ]);

    const init = appCommand('istio-iptables', INIT_ARGS);
    const applied = client.run([init.command, ...init.args]);
    if (applied.code !== 0) throw new Error(`istio-iptables failed (${applied.code}): ${applied.stderr}`);

    dir = mkdtempSync(join(tmpdir(), 'mesh-capture-'));
    chmodSync(dir, 0o755); // the proxy runs as uid 1337 and must read its bootstrap
    const bootstrap = join(dir, 'bootstrap.yaml');
    writeFileSync(bootstrap, readFileSync(join(testdata, 'bootstrap.yaml'), 'utf8').replaceAll('SERVER_POD_IP', SERVER_IP), { mode: 0o644 });
    const mp = appCommand('mesh-proxy', ['-c', bootstrap, '--log-level', 'warning', '--concurrency', String(CONCURRENCY)]);
    proxy = await client.start([mp.command, ...mp.args], PROXY_UID, false);
    const started = proxy;
    await waitFor(
      () => {
        if (started.exitCode !== null) throw new Error(`mesh-proxy exited with ${started.exitCode}: ${proxyLog()}`);
        return client?.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:15000/ready']).stdout === '200';
      },
      30_000,
      200,
    ).catch((e: unknown) => {
      throw new Error(`mesh-proxy not ready: ${(e as Error).message}; log: ${proxyLog()}`);
    });
  });

  afterAll(async () => {
    await client?.destroy();
    await server?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('captures the app\'s HTTP request to 10.199.0.2:8080 on 15001 and hands it to listener 0.0.0.0_8080', async () => {
    const before = await settledStats();
    const r = curl(client as Pod, `http://${SERVER_IP}:8080/outbound?n=1`, APP_UID);
    expect(r.status, r.body).toBe(200);
    expect(r.headers['x-via']).toBe('outbound-8080');
    expect(r.headers['server']).toBe('envoy');
    const seen = JSON.parse(r.body) as { tag: string; url: string; remoteAddress: string; localPort: number };
    expect(seen.tag).toBe('server-8080');
    expect(seen.url).toBe('/outbound?n=1');
    expect(stripMapped(seen.remoteAddress)).toBe(CLIENT_IP);
    await waitFor(() => requestsSeen(server, serverApp).some((q) => q.url === '/outbound?n=1'), 5_000);
    expect(requestsSeen(server, serverApp).filter((q) => q.url === '/outbound?n=1')).toHaveLength(1);
    const after = await settledStats();
    const delta = (name: string): number => counter(after, name) - counter(before, name);
    // As in Envoy, the handed-off connection is counted on the listener that owns it, not on virtualOutbound.
    expect(delta('listener.0.0.0.0_8080.downstream_cx_total')).toBe(1);
    expect(delta('listener.0.0.0.0_15001.downstream_cx_total')).toBe(0);
    expect(delta('http.outbound_0.0.0.0_8080.downstream_rq_total')).toBe(1);
    expect(delta('cluster.outbound|8080||server.default.svc.cluster.local.upstream_rq_total')).toBe(1);
    expect(delta('cluster.PassthroughCluster.upstream_cx_total')).toBe(0);
  });

  it('routes by Host on the handed-off listener: the service name takes the service route, an unknown host the allow_any passthrough', async () => {
    const before = await settledStats();
    const named = curlWithHost(client as Pod, `http://${SERVER_IP}:8080/by-name`, 'server.default.svc.cluster.local', APP_UID);
    expect(named.status, named.body).toBe(200);
    expect(named.headers['x-via']).toBe('outbound-8080');
    const other = curlWithHost(client as Pod, `http://${SERVER_IP}:8080/by-other-name`, 'elsewhere.example.com', APP_UID);
    expect(other.status, other.body).toBe(200);
    expect(other.headers['x-via']).toBeUndefined();
    const seen = JSON.parse(other.body) as { tag: string; url: string; headers: Record<string, string> };
    // PassthroughCluster (ORIGINAL_DST) sent the request to the destination the app dialled.
    expect(seen.tag).toBe('server-8080');
    expect(seen.url).toBe('/by-other-name');
    expect(seen.headers['host']).toBe('elsewhere.example.com');
    const after = await settledStats();
    const delta = (name: string): number => counter(after, name) - counter(before, name);
    expect(delta('listener.0.0.0.0_8080.downstream_cx_total')).toBe(2);
    expect(delta('cluster.outbound|8080||server.default.svc.cluster.local.upstream_rq_total')).toBe(1);
    expect(delta('cluster.PassthroughCluster.upstream_rq_total')).toBe(1);
  });

  it('sends a connection to a port with no listener (10.199.0.2:7070) through the passthrough chain to its original destination', async () => {
    const before = await settledStats();
    const res = tcpConnect(client as Pod, SERVER_IP, 7070, APP_UID);
    expect(res.ok, res.error).toBe(true);
    expect(res.reply?.tag).toBe('echo-7070');
    expect(stripMapped(res.reply?.localAddress)).toBe(SERVER_IP);
    expect(res.reply?.localPort).toBe(7070);
    expect(stripMapped(res.reply?.remoteAddress)).toBe(CLIENT_IP);
    const after = await settledStats();
    const delta = (name: string): number => counter(after, name) - counter(before, name);
    expect(delta('listener.0.0.0.0_15001.downstream_cx_total')).toBe(1);
    expect(delta('tcp.PassthroughCluster.downstream_cx_total')).toBe(1);
    expect(delta('cluster.PassthroughCluster.upstream_cx_total')).toBe(1);
  });

  it('does not capture the proxy user\'s own connections (uid 1337)', async () => {
    const before = await settledStats();
    const res = tcpConnect(client as Pod, SERVER_IP, 7070, PROXY_UID);
    expect(res.ok, res.error).toBe(true);
    expect(res.reply?.tag).toBe('echo-7070');
    const after = await settledStats();
    expect(counter(after, 'listener.0.0.0.0_15001.downstream_cx_total')).toBe(counter(before, 'listener.0.0.0.0_15001.downstream_cx_total'));
  });

  it('captures an inbound request to 10.199.0.1:9080 on 15006 and delivers it to the local app through inbound|9080||', async () => {
    const before = await settledStats();
    const r = curl(server as Pod, `http://${CLIENT_IP}:9080/inbound?n=1`);
    expect(r.status, r.body).toBe(200);
    expect(r.headers['x-via']).toBe('inbound-9080');
    const seen = JSON.parse(r.body) as { tag: string; url: string; remoteAddress: string; localAddress: string; uid: number };
    expect(seen.tag).toBe('client-app-9080');
    expect(seen.url).toBe('/inbound?n=1');
    expect(seen.uid).toBe(APP_UID);
    // Istio's inbound cluster connects from 127.0.0.6 to the original pod-IP:port; iptables lets that through.
    expect(stripMapped(seen.remoteAddress)).toBe('127.0.0.6');
    expect(stripMapped(seen.localAddress)).toBe(CLIENT_IP);
    await waitFor(() => requestsSeen(client, clientApp).some((q) => q.url === '/inbound?n=1'), 5_000);
    expect(requestsSeen(client, clientApp).filter((q) => q.url === '/inbound?n=1')).toHaveLength(1);
    const after = await settledStats();
    const delta = (name: string): number => counter(after, name) - counter(before, name);
    expect(delta('listener.0.0.0.0_15006.downstream_cx_total')).toBe(1);
    expect(delta('http.inbound_0.0.0.0_9080.downstream_rq_total')).toBe(1);
    expect(delta('cluster.inbound|9080||.upstream_rq_total')).toBe(1);
  });

  it('serves inbound HTTP/2 prior-knowledge requests through the same inbound chain', async () => {
    const r = curl(server as Pod, `http://${CLIENT_IP}:9080/inbound-h2`, undefined, ['--http2-prior-knowledge']);
    expect(r.status, r.body).toBe(200);
    expect(r.headers['x-via']).toBe('inbound-9080');
    expect((JSON.parse(r.body) as { url: string }).url).toBe('/inbound-h2');
    await waitFor(() => requestsSeen(client, clientApp).some((q) => q.url === '/inbound-h2'), 5_000);
  });

  // Client-first traffic: virtualInbound's http_inspector waits for the first bytes (listener_filters_timeout 0s), so a
  // server-first protocol on an undeclared port would wait forever here, exactly as upstream documents for Envoy.
  it('sends inbound traffic for an undeclared port (9090) through the inbound passthrough chain', async () => {
    const before = await settledStats();
    const r = curl(server as Pod, `http://${CLIENT_IP}:9090/undeclared`);
    expect(r.status, r.body).toBe(200);
    expect(r.headers['x-via']).toBeUndefined(); // plain TCP proxying: no HTTP route touched it
    const seen = JSON.parse(r.body) as { tag: string; remoteAddress: string; localPort: number };
    expect(seen.tag).toBe('undeclared-9090');
    expect(stripMapped(seen.remoteAddress)).toBe('127.0.0.6');
    expect(seen.localPort).toBe(9090);
    await waitFor(() => requestsSeen(client, undeclaredApp).some((q) => q.url === '/undeclared'), 5_000);
    const after = await settledStats();
    const delta = (name: string): number => counter(after, name) - counter(before, name);
    expect(delta('listener.0.0.0.0_15006.downstream_cx_total')).toBe(1);
    expect(delta('tcp.InboundPassthroughCluster.downstream_cx_total')).toBe(1);
    expect(delta('cluster.InboundPassthroughCluster.upstream_cx_total')).toBe(1);
  });

  it('leaves the excluded inbound port 15020 alone', async () => {
    const before = await settledStats();
    const res = tcpConnect(server as Pod, CLIENT_IP, 15020);
    expect(res.ok, res.error).toBe(true);
    expect(res.reply?.tag).toBe('agent-15020');
    // Not redirected: conntrack's original destination (if any) is the port the app itself listens on.
    const od = res.reply?.originalDst as { port: number } | null | undefined;
    if (od) expect(od.port).toBe(15020);
    expect(stripMapped(res.reply?.remoteAddress)).toBe(SERVER_IP);
    const after = await settledStats();
    expect(counter(after, 'listener.0.0.0.0_15006.downstream_cx_total')).toBe(counter(before, 'listener.0.0.0.0_15006.downstream_cx_total'));
  });

  it('binds only the capture ports: 0.0.0.0_8080 (bind_to_port false) is reached by hand-off, never bound', async () => {
    // Sockets listening in the client pod, as <local address:port> of every LISTEN socket.
    const listening = (client as Pod)
      .exec('ss', '-ltnH')
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[3])
      .filter((a): a is string => a !== undefined);
    console.log(`listening in the client pod: ${listening.join(' ')}`);
    expect(listening).toEqual(expect.arrayContaining(['0.0.0.0:15001', '0.0.0.0:15006', '127.0.0.1:15000', '0.0.0.0:9080']));
    expect(listening.filter((a) => a.endsWith(':8080'))).toEqual([]);
  });

  it('reports the listeners and clusters involved in admin /stats', async () => {
    const s = await settledStats();
    const evidence = [...s]
      .filter(([k]) => /^(listener\.0\.0\.0\.0_(1500[16]|8080)\.|http\.(outbound|inbound)_0\.0\.0\.0_\d+\.downstream_rq_total|tcp\.|cluster\.(PassthroughCluster|InboundPassthroughCluster|inbound\|9080\|\||outbound\|8080\|\|[^.]+\.[^.]+\.[^.]+\.[^.]+\.[^.]+)\.(upstream_cx_total|upstream_rq_total))/.test(k))
      .map(([k, v]) => `${k}: ${v}`)
      .sort();
    console.log(`mesh-proxy /stats (capture test):\n${evidence.join('\n')}`);
    expect(counter(s, 'listener.0.0.0.0_15001.downstream_cx_total')).toBeGreaterThanOrEqual(1);
    expect(counter(s, 'listener.0.0.0.0_8080.downstream_cx_total')).toBeGreaterThanOrEqual(1);
    expect(counter(s, 'listener.0.0.0.0_15006.downstream_cx_total')).toBeGreaterThanOrEqual(2);
    if (proxyLog().trim()) console.log(`mesh-proxy log:\n${proxyLog()}`);
    expect(proxyLog()).not.toMatch(/"level":(50|60)/);
  });
});
