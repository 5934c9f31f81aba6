// Issue 4: latency of istiod's sidecar injection webhook (POST /inject on the TLS port) for a Bookinfo pod at a
// steady, open-loop request rate. Goal: p99 <= 10 ms.
import { Agent, request } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { admissionReview, bookinfoPod } from './bookinfo-pod.ts';
import { runLoad } from './fortio.ts';
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

// Bodies are built before the clock starts and responses are checked after it stops, so the Node client's own
// allocation (and its garbage collector) stays out of the measured window as far as possible.
const bodies: Buffer[] = [];
const responses: Array<{ status: number; body: Buffer } | undefined> = [];
const bodyFor = (i: number): Buffer => (bodies[i] ??= Buffer.from(JSON.stringify(admissionReview(`bench-${i}`, pod))));

/** One AdmissionReview round trip; the response is kept for `checkResponse`. */
function inject(i: number): Promise<void> {
  const body = bodyFor(i);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: istiod.ports.https, path: '/inject', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          responses[i] = { status: res.statusCode ?? 0, body: Buffer.concat(chunks) };
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
          resolve();
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Why response i is not a successful injection of the sidecar, or undefined when it is. */
function checkResponse(i: number): string | undefined {
  const got = responses[i];
  if (!got) return 'no response';
  if (got.status !== 200) return `status ${got.status}`;
  try {
    const r = (JSON.parse(got.body.toString()) as { response?: { uid?: string; allowed?: boolean; patch?: string } }).response;
    if (!r?.allowed || r.uid !== `bench-${i}` || !r.patch) return 'response not allowed, wrong uid or no patch';
    if (!Buffer.from(r.patch, 'base64').toString().includes('istio-proxy')) return 'patch has no istio-proxy';
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

try {
  const machine = machineInfo();
  console.log(`istiod pid ${istiod.pid} ready in ${istiod.startupMs} ms; webhook on 127.0.0.1:${istiod.ports.https}`);
  console.log(`machine: ${machine.nproc} CPUs, ${machine.cpuModel}; warm-up ${warmup} s, then ${rate} req/s for ${duration} s per client`);
  if (warmup > 0) await runOpenLoop({ ratePerSecond: rate, durationSeconds: warmup, timeoutMs: 5000 }, inject);
  const warmupProblem = checkResponse(0);
  if (warmupProblem) throw new Error(`istiod did not inject the pod: ${warmupProblem}`);

  // 1. fortio, a Go HTTP client like the API server's webhook client: one keep-alive TLS connection at a fixed rate.
  const reviewFile = join(configDir, 'review.json');
  writeFileSync(reviewFile, bodyFor(0));
  const load = new LoadSampler();
  let cpu = new CpuMeter(istiod.pid);
  const go = await runLoad({ url: `https://127.0.0.1:${istiod.ports.https}/inject`, qps: rate, connections: 1, durationS: duration, payloadBytes: 0, payloadFile: reviewFile, contentType: 'application/json', insecure: true, jsonPath: join(configDir, 'fortio.json') });
  const goCpu = cpu.read();

  // 2. The Node client, open loop (no coordinated omission), every response checked after the run.
  responses.length = 0;
  for (let i = 0; i < rate * duration; i++) bodyFor(i);
  cpu = new CpuMeter(istiod.pid);
  const run = await runOpenLoop({ ratePerSecond: rate, durationSeconds: duration, timeoutMs: 5000 }, inject);
  const nodeCpu = cpu.read();
  const loadSummary = load.stop();
  const mem = memoryMB(istiod.pid);
  for (const [i, sample] of run.samples.entries()) {
    const problem = sample.ok ? checkResponse(i) : undefined;
    if (problem) Object.assign(sample, { ok: false, error: problem });
  }

  const ok = run.samples.filter((s) => s.ok);
  const errors = run.samples.filter((s) => !s.ok);
  const fromSend = summarize(ok.map((s) => s.fromSend));
  const fromSchedule = summarize(ok.map((s) => s.fromSchedule));
  const cpuPerRequestMs = (c: { cpuSeconds: number }, n: number) => Math.round((c.cpuSeconds / (n || 1)) * 1e6) / 1000;
  // The goal is judged on the Go client, whose own pauses are small; the Node row shows the same server seen from
  // a client that has a garbage collector of its own.
  const met = go.errors === 0 && errors.length === 0 && go.p99 <= goalP99Ms;

  printTable(`POST /inject, productpage-v1 pod, ${rate} req/s for ${duration} s per client (ms)`, ['client', 'n', 'p50', 'p90', 'p99', 'max', 'mean', 'errors', 'istiod CPU/req'], [
    ['fortio (Go), 1 keep-alive conn', go.requests, go.p50, go.p90, go.p99, go.max, go.avg, go.errors, cpuPerRequestMs(goCpu, go.requests)],
    ['node open loop, from send', fromSend.count, fromSend.p50, fromSend.p90, fromSend.p99, fromSend.max, fromSend.mean, errors.length, cpuPerRequestMs(nodeCpu, run.samples.length)],
    ['node open loop, from schedule', fromSchedule.count, fromSchedule.p50, fromSchedule.p90, fromSchedule.p99, fromSchedule.max, fromSchedule.mean, errors.length, ''],
  ]);
  console.log(`fortio status codes: ${JSON.stringify(go.retCodes)}; node client errors: ${errors.length}${errors[0] ? ` (first: ${errors[0].error})` : ''}; max sender lag ${run.maxSendLagMs} ms`);
  console.log(`istiod: RSS ${mem.rss} MB, peak ${mem.hwm} MB`);
  console.log(`load average (1 min) during run: start ${loadSummary.start}, mean ${loadSummary.mean}, max ${loadSummary.max} on ${machine.nproc} CPUs`);
  console.log(`goal p99 <= ${goalP99Ms} ms (fortio): ${verdict(met)} (p99 ${go.p99} ms; node client p99 ${fromSend.p99} ms)`);

  const path = writeResult(args.out, {
    benchmark: 'inject',
    issue: 4,
    date: new Date().toISOString(),
    machine,
    loadAverage: loadSummary,
    params: { ratePerSecond: rate, durationSeconds: duration, warmupSeconds: warmup, pod: 'bookinfo productpage-v1 (AdmissionReview v1)', keepAlive: true },
    fortio: { ...go, istiodCpuMsPerRequest: cpuPerRequestMs(goCpu, go.requests) },
    node: {
      latencyMs: { fromSend, fromSchedule },
      errors: errors.length,
      firstError: errors[0]?.error ?? null,
      maxSenderLagMs: run.maxSendLagMs,
      istiodCpuMsPerRequest: cpuPerRequestMs(nodeCpu, run.samples.length),
    },
    istiod: { startupMs: istiod.startupMs, memoryMB: mem },
    goal: { p99Ms: goalP99Ms, judgedOn: 'fortio', met },
  });
  console.log(`result: ${path}`);
} finally {
  agent.destroy();
  await istiod.stop();
  rmSync(configDir, { recursive: true, force: true });
}
