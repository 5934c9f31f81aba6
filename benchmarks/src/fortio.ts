// fortio (built by `npm run testenv`) as the upstream echo server and as the load generator.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { testenvBin, waitFor } from '@mesh/testing';
import { stopProcess, track } from './child-cleanup.ts';

/** Path of the fortio binary; throws with the fix (`npm run testenv`) when it is missing. */
export function fortioBin(): string {
  return testenvBin('fortio');
}

/** Optionally prefixes a command with `taskset -c <cpus>` so it runs on the given CPUs only. */
export function pinned(cpus: string | undefined, command: string, args: string[]): { command: string; args: string[] } {
  return cpus === undefined ? { command, args } : { command: 'taskset', args: ['-c', cpus, command, ...args] };
}

/** Starts `fortio server` with only its HTTP echo port, on loopback. */
export async function startFortioServer(port: number, cpus?: string): Promise<{ proc: ChildProcess; stop: () => Promise<void> }> {
  const cmd = pinned(cpus, fortioBin(), ['server', '-http-port', `127.0.0.1:${port}`, '-grpc-port', 'disabled', '-redirect-port', 'disabled', '-tcp-port', 'disabled', '-udp-port', 'disabled', '-loglevel', 'Warning']);
  const proc = track(spawn(cmd.command, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`fortio server exited: ${stderr}`);
      return (await fetch(`http://127.0.0.1:${port}/echo`)).status === 200;
    }, 15_000);
  } catch (err) {
    await stopProcess(proc);
    throw err;
  }
  return { proc, stop: () => stopProcess(proc) };
}

export interface LoadResult {
  requestedQps: number;
  actualQps: number;
  durationS: number;
  connections: number;
  requests: number;
  /** Responses by HTTP status; anything but 200 counts as an error. */
  retCodes: Record<string, number>;
  errors: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  avg: number;
}

export interface LoadOptions {
  url: string;
  qps: number;
  connections: number;
  durationS: number;
  /** Size of a generated POST body; ignored when `payloadFile` is set. */
  payloadBytes: number;
  /** POST this file's bytes instead of a generated body. */
  payloadFile?: string;
  contentType?: string;
  /** Skip certificate verification (https URLs to a server with its own CA). */
  insecure?: boolean;
  jsonPath: string;
  cpus?: string;
}

/** Runs `fortio load` to completion (bounded: duration plus a margin) and returns its parsed JSON result. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const body = o.payloadFile ? ['-payload-file', o.payloadFile] : ['-payload-size', String(o.payloadBytes)];
  const extra = [...(o.contentType ? ['-content-type', o.contentType] : []), ...(o.insecure ? ['-k'] : [])];
  const args = ['load', '-qps', String(o.qps), '-c', String(o.connections), '-t', `${o.durationS}s`, ...body, ...extra,
    '-p', '50,90,99', '-r', '0.00001', '-timeout', '5s', '-json', o.jsonPath, '-quiet', '-loglevel', 'Warning', o.url];
  const cmd = pinned(o.cpus, fortioBin(), args);
  const proc = track(spawn(cmd.command, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const killer = setTimeout(() => proc.kill('SIGKILL'), (o.durationS + 30) * 1000);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  if (code !== 0) throw new Error(`fortio load ${o.url} exited with ${code}: ${stderr}`);
  const j = JSON.parse(readFileSync(o.jsonPath, 'utf8')) as {
    RequestedQPS: string | number;
    ActualQPS: number;
    ActualDuration: number;
    NumThreads: number;
    RetCodes: Record<string, number>;
    DurationHistogram: { Count: number; Avg: number; Max: number; Percentiles: Array<{ Percentile: number; Value: number }> };
  };
  const pct = (q: number) => ms(j.DurationHistogram.Percentiles.find((p) => p.Percentile === q)?.Value ?? NaN);
  const ok = j.RetCodes['200'] ?? 0;
  return {
    requestedQps: Number(j.RequestedQPS) || 0,
    actualQps: Math.round(j.ActualQPS * 10) / 10,
    durationS: Math.round((j.ActualDuration / 1e9) * 100) / 100,
    connections: j.NumThreads,
    requests: j.DurationHistogram.Count,
    retCodes: j.RetCodes,
    errors: j.DurationHistogram.Count - ok,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: ms(j.DurationHistogram.Max),
    avg: ms(j.DurationHistogram.Avg),
  };
}

function ms(seconds: number): number {
  return Math.round(seconds * 1e6) / 1000;
}
