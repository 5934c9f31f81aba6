// The machine a benchmark ran on, and the load other processes put on it while it ran (the box is shared).
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, hostname, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  kernel: string;
  hostname: string;
  memTotalMB: number;
  node: string;
}

/** Static description of this machine (what `nproc` and /proc/cpuinfo report). */
export function machineInfo(): MachineInfo {
  let nproc = availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: availableParallelism is the same number for our purposes.
  }
  return {
    nproc,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    kernel: release(),
    hostname: hostname(),
    memTotalMB: Math.round(totalmem() / 1048576),
    node: process.version,
  };
}

export interface LoadSummary {
  /** 1-minute load average when the measurement started and ended. */
  start: number;
  end: number;
  min: number;
  max: number;
  mean: number;
  samples: number;
}

/** Samples the 1-minute load average every few seconds until stopped. */
export class LoadSampler {
  private readonly values: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 2000) {
    this.values.push(loadavg()[0] ?? 0);
    this.timer = setInterval(() => this.values.push(loadavg()[0] ?? 0), intervalMs);
    this.timer.unref();
  }

  /** Stops sampling and summarises what was seen. */
  stop(): LoadSummary {
    clearInterval(this.timer);
    this.values.push(loadavg()[0] ?? 0);
    const v = this.values;
    return {
      start: round2(v[0] ?? 0),
      end: round2(v[v.length - 1] ?? 0),
      min: round2(Math.min(...v)),
      max: round2(Math.max(...v)),
      mean: round2(v.reduce((a, b) => a + b, 0) / v.length),
      samples: v.length,
    };
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
