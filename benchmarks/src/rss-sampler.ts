// Samples a process's resident memory over a run, so both the peak and the settled value can be reported.
import { memoryMB } from './proc-stats.ts';

/** Polls VmRSS of a pid every intervalMs; keeps the maximum seen. */
export class RssSampler {
  private readonly pid: number;
  private readonly timer: NodeJS.Timeout;
  maxMB = 0;

  constructor(pid: number, intervalMs = 250) {
    this.pid = pid;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  /** Current VmRSS and the kernel's peak (VmHWM), in MB; also updates the sampled maximum. */
  sample(): { rss: number; hwm: number } {
    try {
      const m = memoryMB(this.pid);
      this.maxMB = Math.max(this.maxMB, m.rss);
      return m;
    } catch {
      return { rss: NaN, hwm: NaN };
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
