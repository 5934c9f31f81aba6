// Issue 3: istiod at scale. 1000 services x 4 ports and 200 connected sidecar-like ADS clients: time to the initial
// full push, p50/p99 convergence after a VirtualService change, istiod RSS. Goals: initial push <= 5 s, p99
// convergence <= 1 s, RSS <= 500 MB.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { waitFor } from '@mesh/testing';
import type { EnvoyJson } from '@mesh/xds';
import { AdsWorkers } from './ads-workers.ts';
import { startIstiod } from './istiod-process.ts';
import { epochMs } from './light-ads-client.ts';
import { LoadSampler, machineInfo } from './machine.ts';
import { servicePorts, virtualServiceYaml, writeMesh } from './mesh-config-gen.ts';
import { summarize } from './percentiles.ts';
import { CpuMeter } from './proc-stats.ts';
import { printTable, verdict, writeResult } from './report.ts';
import { RssSampler } from './rss-sampler.ts';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '10' },
    clients: { type: 'string', default: '200' },
    workers: { type: 'string', default: '2' },
    changes: { type: 'string', default: '5' },
    'initial-timeout': { type: 'string', default: '120' },
    'change-timeout': { type: 'string', default: '30' },
    'rss-cap': { type: 'string', default: '8000' },
    out: { type: 'string', default: 'istiod' },
    'istiod-log': { type: 'string' },
    'istiod-log-level': { type: 'string', default: 'info' },
  },
});
const int = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: must be an integer ${min}..${max}, got ${v}`);
  return n;
};
const serviceCount = int('services', args.services, 1, 5000);
const namespaceCount = int('namespaces', args.namespaces, 1, 100);
const clientCount = int('clients', args.clients, 1, Math.min(1000, serviceCount));
const workerCount = int('workers', args.workers, 1, 4);
const changes = int('changes', args.changes, 1, 50);
const goals = { initialPushMs: 5000, convergenceP99Ms: 1000, rssMB: 500 };
const initialTimeoutMs = int('initial-timeout', args['initial-timeout'], 5, 1800) * 1000;
const changeTimeoutMs = int('change-timeout', args['change-timeout'], 1, 600) * 1000;

const dir = mkdtempSync(join(tmpdir(), 'bench-istiod-'));
const mesh = writeMesh(dir, serviceCount, namespaceCount);
const machine = machineInfo();
const load = new LoadSampler();
console.log(`machine: ${machine.nproc} CPUs, ${machine.cpuModel}; ${serviceCount} services x ${servicePorts.length} ports, ${clientCount} clients in ${workerCount} worker processes`);

const istiod = await startIstiod(dir, ['--log_output_level', args['istiod-log-level']]).catch((err: unknown) => {
  rmSync(dir, { recursive: true, force: true });
  throw err;
});
// The machine is shared: istiod is killed if it grows past --rss-cap MB, and the run reports that.
const rssCapMB = int('rss-cap', args['rss-cap'], 100, 64_000);
let killedForRss = false;
const rss = new RssSampler(istiod.pid, 250, rssCapMB, () => {
  killedForRss = true;
  console.log(`istiod RSS passed --rss-cap ${rssCapMB} MB: killing it`);
  istiod.proc.kill('SIGKILL');
});
let workers: AdsWorkers | undefined;
try {
  await waitFor(async () => (await fetch(`http://127.0.0.1:${istiod.ports.http}/ready`)).status === 200, 60_000);
  const readyMs = istiod.startupMs;
  const rssIdle = rss.sample();
  console.log(`istiod pid ${istiod.pid} ready in ${readyMs} ms, RSS ${rssIdle.rss} MB before clients`);

  // Clients are sidecars of the first `clientCount` generated pods.
  const nodes: EnvoyJson[] = mesh.services.slice(0, clientCount).map((s) => ({
    id: `sidecar~${s.podIP}~${s.name}-0.${s.namespace}~${s.namespace}.svc.cluster.local`,
    cluster: `${s.name}.${s.namespace}`,
    metadata: { NAMESPACE: s.namespace, LABELS: { app: s.name, version: 'v1' }, ISTIO_VERSION: '1.32.0', CLUSTER_ID: 'Kubernetes', WORKLOAD_NAME: s.name },
  }));
  workers = new AdsWorkers(workerCount);
  // The workers load their modules and protos before the clock starts, so Node's startup is not counted as push time.
  await workers.ready(60_000);
  const istiodCpu = new CpuMeter(istiod.pid);
  const clientCpu = workers.pids.map((pid) => new CpuMeter(pid));

  const t0 = epochMs();
  const reports = await workers.start(`127.0.0.1:${istiod.ports.grpc}`, nodes, initialTimeoutMs);
  const initialIstiodCpu = istiodCpu.read();
  const initialClientCpu = clientCpu.map((m) => m.read());
  const times = reports.flatMap((r) => r.times);
  const counters = reports.flatMap((r) => r.counters);
  const initialErrors = reports.flatMap((r) => r.errors);
  const done = times.filter((t) => t.doneAt !== undefined);
  const initialPushMs = done.length === times.length ? Math.round(Math.max(...done.map((t) => t.doneAt!)) - t0) : NaN;
  const perClient = summarize(done.map((t) => t.doneAt! - t.connectedAt));
  const firstCds = summarize(times.filter((t) => t.cdsAt).map((t) => t.cdsAt! - t.connectedAt));
  const sample = counters[0]!;
  const rssAfterInitial = rss.sample();
  console.log(`initial push: ${done.length}/${times.length} clients complete in ${initialPushMs} ms; each got ${sample.clusters} clusters (${sample.edsClusters} EDS), ${sample.listeners} listeners, ${sample.routes} routes`);

  // Convergence: rewrite one VirtualService with a fresh route name and time each client's first RDS carrying it.
  await new Promise((r) => setTimeout(r, 3000));
  istiodCpu.reset();
  for (const m of clientCpu) m.reset();
  const convergence: number[] = [];
  let missing = 0;
  const changeErrors: string[] = [];
  const perChange: Array<{ marker: string; p50: number; p99: number; max: number; missing: number }> = [];
  // Changes are only meaningful once every client has its initial config; otherwise the backlog is measured.
  const changesRun = done.length === times.length && !killedForRss ? changes : 0;
  if (changesRun === 0) console.log(`initial push incomplete after ${initialTimeoutMs / 1000} s: VirtualService changes skipped`);
  for (let k = 1; k <= changesRun; k++) {
    const marker = `bench-change-${k}-${Date.now().toString(36)}`;
    const { converged } = await workers.watch(marker, changeTimeoutMs);
    const written = epochMs();
    writeFileSync(join(dir, 'vs-bench.yaml'), virtualServiceYaml(mesh.services[0]!, marker, 10 + k));
    const results = await converged;
    const seen = results.flatMap((r) => r.seen);
    changeErrors.push(...results.flatMap((r) => r.errors));
    const lat = seen.filter((s): s is number => s !== null).map((s) => s - written);
    const miss = seen.length - lat.length;
    missing += miss;
    convergence.push(...lat);
    const s = summarize(lat);
    perChange.push({ marker, p50: s.p50, p99: s.p99, max: s.max, missing: miss });
    console.log(`change ${k}: ${lat.length}/${seen.length} clients, p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const changeIstiodCpu = istiodCpu.read();
  const changeClientCpu = clientCpu.map((m) => m.read());
  const conv = summarize(convergence);

  // Steady state: nothing changes for a while, then RSS is read again.
  await new Promise((r) => setTimeout(r, 5000));
  const steady = rss.sample();
  const peakMB = Math.max(rss.maxMB, Number.isFinite(steady.hwm) ? steady.hwm : 0);
  const loadSummary = load.stop();

  const met = {
    initialPush: initialPushMs <= goals.initialPushMs,
    convergence: changesRun > 0 && missing === 0 && conv.p99 <= goals.convergenceP99Ms,
    rss: peakMB <= goals.rssMB,
  };
  const cores = (xs: Array<{ cores: number }>) => Math.round(xs.reduce((a, x) => a + x.cores, 0) * 1000) / 1000;
  printTable(`istiod: ${serviceCount} services x ${servicePorts.length} ports, ${clientCount} ADS clients (SotW)`, ['measure', 'value', 'goal', 'verdict'], [
    ['initial push to all clients (ms)', initialPushMs, `<= ${goals.initialPushMs}`, verdict(met.initialPush)],
    [`  clients complete within ${initialTimeoutMs / 1000} s`, `${done.length}/${times.length}`, '', ''],
    ['  per client p50 / p99 (ms)', `${perClient.p50} / ${perClient.p99}`, '', ''],
    ['  first CDS p50 / p99 (ms)', `${firstCds.p50} / ${firstCds.p99}`, '', ''],
    [`VS change convergence p50 (ms, n=${conv.count})`, conv.p50, '', ''],
    ['VS change convergence p99 (ms)', conv.p99, `<= ${goals.convergenceP99Ms}`, verdict(met.convergence)],
    ['VS change convergence max (ms)', conv.max, '', ''],
    ['clients that never saw a change', missing, '0', ''],
    ['istiod RSS peak (MB)', peakMB, `<= ${goals.rssMB}`, verdict(met.rss)],
    ['istiod RSS steady (MB)', killedForRss ? `killed at > ${rssCapMB}` : steady.rss, '', ''],
    ['istiod RSS before clients (MB)', rssIdle.rss, '', ''],
    ['istiod CPU during initial push (cores)', initialIstiodCpu.cores, '', ''],
    ['istiod CPU seconds for initial push', initialIstiodCpu.cpuSeconds, '', ''],
    ['client CPU during initial push (cores)', cores(initialClientCpu), '', ''],
    ['istiod CPU during changes (cores)', changeIstiodCpu.cores, '', ''],
    ['istiod CPU seconds per change', changesRun ? Math.round((changeIstiodCpu.cpuSeconds / changesRun) * 1000) / 1000 : NaN, '', ''],
    ['client CPU during changes (cores)', cores(changeClientCpu), '', ''],
    ['istiod startup to ready (ms)', readyMs, '', ''],
  ]);
  console.log(`load average (1 min) during run: start ${loadSummary.start}, mean ${loadSummary.mean}, max ${loadSummary.max} on ${machine.nproc} CPUs`);
  const errs = [...initialErrors, ...changeErrors];
  if (errs.length) console.log(`client errors (${errs.length}): ${errs.slice(0, 3).join('; ')}`);

  const path = writeResult(args.out, {
    benchmark: 'istiod',
    issue: 3,
    date: new Date().toISOString(),
    machine,
    loadAverage: loadSummary,
    params: { services: serviceCount, portsPerService: servicePorts.length, namespaces: namespaceCount, clients: clientCount, workers: workerCount, changes, changesRun, initialTimeoutMs, changeTimeoutMs, protocol: 'SotW ADS' },
    perClientResources: { clusters: sample.clusters, edsClusters: sample.edsClusters, listeners: sample.listeners, routes: sample.routes, initialBytes: sample.bytes },
    initialPush: { allClientsMs: initialPushMs, clientsComplete: done.length, perClientMs: perClient, firstCdsMs: firstCds, istiodCpu: initialIstiodCpu, clientCpu: initialClientCpu },
    convergenceMs: { ...conv, missing, perChange, istiodCpu: changeIstiodCpu, clientCpu: changeClientCpu },
    istiodRssMB: { beforeClients: rssIdle.rss, afterInitialPush: rssAfterInitial.rss, peak: peakMB, steady: steady.rss },
    istiodStartupMs: readyMs,
    istiodKilledForRss: killedForRss ? { capMB: rssCapMB } : null,
    clientErrors: errs.slice(0, 20),
    goals,
    met,
  });
  console.log(`result: ${path}`);
} finally {
  if (args['istiod-log']) writeFileSync(args['istiod-log'], istiod.logs());
  rss.stop();
  await workers?.stop();
  await istiod.stop();
  rmSync(dir, { recursive: true, force: true });
}
