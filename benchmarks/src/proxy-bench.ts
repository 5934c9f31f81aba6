// Issue 2: the data plane under load. fortio at a fixed rate through no proxy, nginx, one mesh-proxy and a client +
// server mesh-proxy pair (all on loopback): added latency, CPU per 1000 rps, RSS, and maximum throughput with the
// proxy pinned to one CPU. Targets: pair adds <= 0.25 ms at p90; <= 0.15 vCPU per 1000 rps per proxy;
// RSS <= 50 MB; maximum throughput >= half of nginx's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '@mesh/testing';
import { runLoad, startFortioServer, type LoadResult } from './fortio.ts';
import { LoadSampler, machineInfo } from './machine.ts';
import { startMeshProxy } from './mesh-proxy-process.ts';
import { startNginx } from './nginx-proxy.ts';
import { CpuMeter, memoryMB } from './proc-stats.ts';
import { printTable, verdict, writeResult } from './report.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    qps: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '16' },
    payload: { type: 'string', default: '1024' },
    'max-duration': { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    'proxy-cpu': { type: 'string', default: '1' },
    'load-cpu': { type: 'string', default: '0' },
    out: { type: 'string', default: 'proxy' },
  },
});
const num = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name}: must be a number ${min}..${max}, got ${v}`);
  return n;
};
const durationS = num('duration', args.duration, 1, 600);
const qps = num('qps', args.qps, 1, 100_000);
const connections = num('connections', args.connections, 1, 1024);
const payloadBytes = num('payload', args.payload, 0, 1_048_576);
const maxDurationS = num('max-duration', args['max-duration'], 1, 300);
const warmupS = num('warmup', args.warmup, 0, 60);
const proxyCpu = args['proxy-cpu'];
const loadCpu = args['load-cpu'];
const targets = { pairAddedP90Ms: 0.25, vcpuPer1000Rps: 0.15, rssMB: 50, throughputVsNginx: 0.5 };

const machine = machineInfo();
const dir = mkdtempSync(join(tmpdir(), 'bench-proxy-'));
const stops: Array<() => Promise<void>> = [];
const load = new LoadSampler();

interface Row {
  scenario: string;
  load: LoadResult;
  proxies: Array<{ name: string; pid: number; cores: number; vcpuPer1000Rps: number; rssMB: number; hwmMB: number }>;
  maxThroughput?: LoadResult & { proxyCores?: number; rpsPerBusyCore?: number };
}

/** Pins every thread of a running process to the given CPUs. */
function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

try {
  console.log(`machine: ${machine.nproc} CPUs, ${machine.cpuModel}; ${qps} rps, ${payloadBytes} B payload, ${connections} connections, ${durationS} s per scenario`);
  const ports = { server: await freePort(), nginx: await freePort(), proxy: await freePort(), proxyAdmin: await freePort(), client: await freePort(), clientAdmin: await freePort() };
  const server = await startFortioServer(ports.server);
  stops.push(server.stop);
  const nginx = await startNginx(join(dir, 'nginx'), ports.nginx, ports.server);
  stops.push(nginx.stop);
  // The server-side proxy in front of fortio, and a client-side proxy in front of it for the pair.
  const proxy = await startMeshProxy(dir, 'server-proxy', { admin: ports.proxyAdmin, listen: ports.proxy, upstream: ports.server });
  stops.push(proxy.stop);
  const clientProxy = await startMeshProxy(dir, 'client-proxy', { admin: ports.clientAdmin, listen: ports.client, upstream: ports.proxy });
  stops.push(clientProxy.stop);

  const scenarios = [
    { scenario: 'no proxy (fortio server)', port: ports.server, procs: [] as Array<{ name: string; pid: number }> },
    { scenario: 'nginx', port: ports.nginx, procs: [{ name: 'nginx', pid: nginx.pid }] },
    { scenario: 'mesh-proxy (one hop)', port: ports.proxy, procs: [{ name: 'server-proxy', pid: proxy.pid }] },
    { scenario: 'mesh-proxy pair', port: ports.client, procs: [{ name: 'client-proxy', pid: clientProxy.pid }, { name: 'server-proxy', pid: proxy.pid }] },
  ];
  const rows: Row[] = [];
  for (const s of scenarios) {
    const url = `http://127.0.0.1:${s.port}/echo`;
    if (warmupS > 0) await runLoad({ url, qps, connections, durationS: warmupS, payloadBytes, jsonPath: join(dir, 'warmup.json') });
    const meters = s.procs.map((p) => ({ ...p, meter: new CpuMeter(p.pid) }));
    const result = await runLoad({ url, qps, connections, durationS, payloadBytes, jsonPath: join(dir, `${rows.length}.json`) });
    const proxies = meters.map((m) => {
      const cpu = m.meter.read();
      const mem = memoryMB(m.pid);
      return { name: m.name, pid: m.pid, cores: cpu.cores, vcpuPer1000Rps: Math.round((cpu.cores / (result.actualQps / 1000)) * 1000) / 1000, rssMB: mem.rss, hwmMB: mem.hwm };
    });
    rows.push({ scenario: s.scenario, load: result, proxies });
    console.log(`${s.scenario}: ${result.actualQps} rps, p50 ${result.p50} ms, p90 ${result.p90} ms, p99 ${result.p99} ms, errors ${result.errors}`);
  }

  // Maximum throughput: the proxy under test alone on one CPU, fortio (client and server) on the other.
  pin(server.proc.pid!, loadCpu);
  const maxRuns: Array<{ row: Row; port: number; pid?: number }> = [
    { row: rows[0]!, port: ports.server },
    { row: rows[1]!, port: ports.nginx, pid: nginx.pid },
    { row: rows[2]!, port: ports.proxy, pid: proxy.pid },
  ];
  for (const m of maxRuns) {
    if (m.pid !== undefined) pin(m.pid, proxyCpu);
    const url = `http://127.0.0.1:${m.port}/echo`;
    await runLoad({ url, qps: 0, connections, durationS: Math.min(3, maxDurationS), payloadBytes, jsonPath: join(dir, 'warmup.json'), cpus: loadCpu });
    const meter = m.pid !== undefined ? new CpuMeter(m.pid) : undefined;
    const result = await runLoad({ url, qps: 0, connections, durationS: maxDurationS, payloadBytes, jsonPath: join(dir, `max-${m.port}.json`), cpus: loadCpu });
    const cores = meter?.read().cores;
    // On a shared machine the pinned CPU is not ours alone: rps per core actually used is the transferable number.
    m.row.maxThroughput = { ...result, ...(cores !== undefined ? { proxyCores: cores, rpsPerBusyCore: cores > 0 ? Math.round(result.actualQps / cores) : NaN } : {}) };
    console.log(`${m.row.scenario}: max ${result.actualQps} rps (qps 0, ${connections} connections${m.pid ? `, pinned to CPU ${proxyCpu}, using ${cores} of it` : ''})`);
  }
  const loadSummary = load.stop();

  const direct = rows[0]!.load;
  const added = (r: LoadResult) => ({ p50: round3(r.p50 - direct.p50), p90: round3(r.p90 - direct.p90), p99: round3(r.p99 - direct.p99) });
  printTable(`fortio ${qps} rps, ${payloadBytes} B, ${connections} connections, ${durationS} s; max rps with qps 0 for ${maxDurationS} s (latency ms)`,
    ['scenario', 'rps', 'p50', 'p90', 'p99', '+p50', '+p90', '+p99', 'vCPU/1000rps', 'RSS MB', 'errors', 'max rps 1 core', 'cores used', 'rps/core used'],
    rows.map((r) => {
      const a = added(r.load);
      const ps = r.proxies;
      return [r.scenario, r.load.actualQps, r.load.p50, r.load.p90, r.load.p99, ps.length ? a.p50 : '', ps.length ? a.p90 : '', ps.length ? a.p99 : '',
        ps.map((p) => p.vcpuPer1000Rps).join(' + '), ps.map((p) => p.rssMB).join(' + '), r.load.errors, r.maxThroughput?.actualQps ?? '', r.maxThroughput?.proxyCores ?? '', r.maxThroughput?.rpsPerBusyCore ?? ''];
    }));

  const single = rows[2]!;
  const pair = rows[3]!;
  const nginxMax = rows[1]!.maxThroughput?.actualQps ?? NaN;
  const proxyMax = single.maxThroughput?.actualQps ?? NaN;
  const meshProxies = [...single.proxies, ...pair.proxies];
  const worstVcpu = Math.max(...meshProxies.map((p) => p.vcpuPer1000Rps));
  const worstRss = Math.max(...meshProxies.map((p) => Math.max(p.rssMB, p.hwmMB)));
  const errorsTotal = rows.reduce((a, r) => a + r.load.errors + (r.maxThroughput?.errors ?? 0), 0);
  const met = {
    pairAddedP90: added(pair.load).p90 <= targets.pairAddedP90Ms,
    vcpuPer1000Rps: worstVcpu <= targets.vcpuPer1000Rps,
    rss: worstRss <= targets.rssMB,
    throughputVsNginx: proxyMax >= targets.throughputVsNginx * nginxMax,
  };
  console.log(`targets: pair adds ${added(pair.load).p90} ms at p90 (<= ${targets.pairAddedP90Ms}): ${verdict(met.pairAddedP90)}; ` +
    `worst ${worstVcpu} vCPU per 1000 rps per proxy (<= ${targets.vcpuPer1000Rps}): ${verdict(met.vcpuPer1000Rps)}; ` +
    `peak RSS ${worstRss} MB (<= ${targets.rssMB}): ${verdict(met.rss)}; max ${proxyMax} rps vs nginx ${nginxMax} (>= half): ${verdict(met.throughputVsNginx)}`);
  console.log(`errors (non-200) over all runs: ${errorsTotal}`);
  console.log(`load average (1 min) during run: start ${loadSummary.start}, mean ${loadSummary.mean}, max ${loadSummary.max} on ${machine.nproc} CPUs`);
  const path = writeResult(args.out, {
    benchmark: 'proxy',
    issue: 2,
    date: new Date().toISOString(),
    machine,
    loadAverage: loadSummary,
    params: { qps, connections, payloadBytes, durationS, warmupS, maxDurationS, proxyCpu, loadCpu, proxyConcurrency: 1, nginx: 'master_process off, worker_processes 1, upstream keepalive 64' },
    scenarios: rows.map((r) => ({ ...r, addedMs: r.proxies.length ? added(r.load) : null })),
    targets,
    met,
    errorsTotal,
  });
  console.log(`result: ${path}`);
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
