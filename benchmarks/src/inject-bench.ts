// Issue 4: latency of istiod's sidecar injection webhook (POST /inject on the TLS port) for a Bookinfo pod at a
// steady, open-loop request rate. Goal: p99 <= 10 ms.
import { Agent, request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { admissionReview, bookinfoPod } from './bookinfo-pod.ts';
import { startIstiod } from './istiod-process.ts';
import { LoadSampler, machineInfo } from './machine.ts';
import { runOpenLoop } from './open-loop.ts';
import { summarize } from './percentiles.ts';
import { CpuMeter, memoryMB } from './proc-stats.ts';
import { printTable, verdict, writeResult } from './report.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    out: { type: 'string', default: 'inject' },
  },
});
const rate = Number(args.rate);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
if (!(rate > 0 && rate <= 1000)) throw new Error(`--rate: must be 1..1000 requests/s, got ${args.rate}`);
if (!(duration > 0 && duration <= 600)) throw new Error(`--duration: must be 1..600 s, got ${args.duration}`);
if (!(warmup >= 0 && warmup <= 60)) throw new Error(`--warmup: must be 0..60 s, got ${args.warmup}`);
const goalP99Ms = 10;

const configDir = mkdtempSync(join(tmpdir(), 'bench-inject-'));
const istiod = await startIstiod(configDir).catch((err: unknown) => {
  rmSync(configDir, { recursive: true, force: true });
  throw err;
});
// Keep-alive like the API server's webhook client; the certificate is istiod's own CA, which we do not pin here.
const agent = new Agent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false });
const pod = bookinfoPod('productpage-v1');

/** One AdmissionReview round trip; rejects unless istiod allowed the pod and returned a patch with the sidecar. */
function inject(i: number): Promise<void> {
  const body = JSON.stringify(admissionReview(`bench-${i}`, pod));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: istiod.ports.https, path: '/inject', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
          try {
            const r = (JSON.parse(Buffer.concat(chunks).toString()) as { response?: { uid?: string; allowed?: boolean; patch?: string } }).response;
            if (!r?.allowed || r.uid !== `bench-${i}` || !r.patch) return reject(new Error('response not allowed, wrong uid or no patch'));
            if (!Buffer.from(r.patch, 'base64').toString().includes('istio-proxy')) return reject(new Error('patch has no istio-proxy'));
            resolve();
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

try {
  const machine = machineInfo();
  console.log(`istiod pid ${istiod.pid} ready in ${istiod.startupMs} ms; webhook on 127.0.0.1:${istiod.ports.https}`);
  console.log(`machine: ${machine.nproc} CPUs, ${machine.cpuModel}; warm-up ${warmup} s, then ${rate} req/s for ${duration} s (open loop)`);
  if (warmup > 0) await runOpenLoop({ ratePerSecond: rate, durationSeconds: warmup, timeoutMs: 5000 }, inject);

  const load = new LoadSampler();
  const cpu = new CpuMeter(istiod.pid);
  const run = await runOpenLoop({ ratePerSecond: rate, durationSeconds: duration, timeoutMs: 5000 }, inject);
  const istiodCpu = cpu.read();
  const loadSummary = load.stop();
  const mem = memoryMB(istiod.pid);

  const ok = run.samples.filter((s) => s.ok);
  const errors = run.samples.filter((s) => !s.ok);
  const fromSend = summarize(ok.map((s) => s.fromSend));
  const fromSchedule = summarize(ok.map((s) => s.fromSchedule));
  const met = errors.length === 0 && fromSend.p99 <= goalP99Ms;

  printTable(`POST /inject, productpage-v1 pod, ${rate} req/s open loop for ${duration} s (ms)`, ['latency measured from', 'n', 'p50', 'p90', 'p99', 'max', 'mean'], [
    ['send', fromSend.count, fromSend.p50, fromSend.p90, fromSend.p99, fromSend.max, fromSend.mean],
    ['schedule', fromSchedule.count, fromSchedule.p50, fromSchedule.p90, fromSchedule.p99, fromSchedule.max, fromSchedule.mean],
  ]);
  console.log(`errors: ${errors.length}${errors[0] ? ` (first: ${errors[0].error})` : ''}; max sender lag ${run.maxSendLagMs} ms`);
  console.log(`istiod: ${istiodCpu.cores} cores (${Math.round((istiodCpu.cpuSeconds / (ok.length || 1)) * 1e6) / 1000} ms CPU per request), RSS ${mem.rss} MB, peak ${mem.hwm} MB`);
  console.log(`load average (1 min) during run: start ${loadSummary.start}, mean ${loadSummary.mean}, max ${loadSummary.max} on ${machine.nproc} CPUs`);
  console.log(`goal p99 <= ${goalP99Ms} ms: ${verdict(met)} (p99 ${fromSend.p99} ms)`);

  const path = writeResult(args.out, {
    benchmark: 'inject',
    issue: 4,
    date: new Date().toISOString(),
    machine,
    loadAverage: loadSummary,
    params: { ratePerSecond: rate, durationSeconds: duration, warmupSeconds: warmup, pod: 'bookinfo productpage-v1 (AdmissionReview v1)', keepAlive: true },
    latencyMs: { fromSend, fromSchedule },
    errors: errors.length,
    firstError: errors[0]?.error ?? null,
    maxSenderLagMs: run.maxSendLagMs,
    istiod: { startupMs: istiod.startupMs, cpu: istiodCpu, memoryMB: mem },
    goal: { p99Ms: goalP99Ms, met },
  });
  console.log(`result: ${path}`);
} finally {
  agent.destroy();
  await istiod.stop();
  rmSync(configDir, { recursive: true, force: true });
}
