// Per-process CPU and memory read from /proc, so numbers come from the kernel rather than from the process itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds a process has used so far (utime + stime from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are counted from its closing paren.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / ticksPerSecond();
}

/** Resident and peak-resident memory in MB (VmRSS and VmHWM from /proc/<pid>/status). */
export function memoryMB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: round1(field('VmRSS')), hwm: round1(field('VmHWM')) };
}

/** CPU used by a process between two points in time, as a fraction of one core. */
export class CpuMeter {
  private readonly pid: number;
  private startCpu: number;
  private startAt: number;

  constructor(pid: number) {
    this.pid = pid;
    this.startCpu = cpuSeconds(pid);
    this.startAt = performance.now();
  }

  /** Starts a new measurement window. */
  reset(): void {
    try {
      this.startCpu = cpuSeconds(this.pid);
    } catch {
      this.startCpu = NaN;
    }
    this.startAt = performance.now();
  }

  /** CPU seconds and cores (CPU seconds per wall second) since the last reset. */
  read(): { cpuSeconds: number; wallSeconds: number; cores: number } {
    let now = NaN;
    try {
      now = cpuSeconds(this.pid);
    } catch {
      // The process has exited (and been reaped): its CPU time is no longer readable.
    }
    const cpu = now - this.startCpu;
    const wall = (performance.now() - this.startAt) / 1000;
    return { cpuSeconds: round3(cpu), wallSeconds: round3(wall), cores: wall > 0 ? round3(cpu / wall) : 0 };
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
