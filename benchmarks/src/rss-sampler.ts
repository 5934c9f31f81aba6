// Samples a process's resident memory over a run, so both the peak and the settled value can be reported.
import { memoryMB } from './proc-stats.ts';

/** Polls VmRSS of a pid every intervalMs; keeps the maximum seen. */
export class RssSampler {
  private readonly pid: number;
  private readonly timer: NodeJS.Timeout;
  maxMB = 0;

  private readonly onOver: (() => void) | undefined;
  private readonly capMB: number;

  /** onOver runs once when VmRSS first exceeds capMB (a guard for a shared machine). */
  constructor(pid: number, intervalMs = 250, capMB = Infinity, onOver?: () => void) {
    this.pid = pid;
    this.capMB = capMB;
    this.onOver = onOver;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  /** Current VmRSS and the kernel's peak (VmHWM), in MB; also updates the sampled maximum. */
  sample(): { rss: number; hwm: number } {
    try {
      const m = memoryMB(this.pid);
      const wasUnder = this.maxMB <= this.capMB;
      this.maxMB = Math.max(this.maxMB, m.rss);
      if (wasUnder && this.maxMB > this.capMB) this.onOver?.();
      return m;
    } catch {
      return { rss: NaN, hwm: NaN };
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
