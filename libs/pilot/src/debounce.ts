// Debounced pushes (istiod's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX): events merge into one pending request;
// it is pushed after `quietMs` without new events, or `maxMs` after the first one, and never while a push runs.

export interface DebounceOptions {
  /** Quiet period after the last event (default 100 ms). */
  quietMs?: number;
  /** Longest delay after the first event of a batch (default 10 s). */
  maxMs?: number;
  now?: () => number;
}

export class Debouncer<T> {
  private pending: T | undefined;
  private firstAt = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private pushing = false;
  private events = 0;
  private readonly quietMs: number;
  private readonly maxMs: number;
  private readonly now: () => number;
  private readonly merge: (a: T, b: T) => T;
  private readonly push: (req: T, stats: { events: number; quietMs: number; sinceFirstMs: number }) => Promise<void>;

  constructor(
    merge: (a: T, b: T) => T,
    push: (req: T, stats: { events: number; quietMs: number; sinceFirstMs: number }) => Promise<void>,
    opts: DebounceOptions = {},
  ) {
    this.merge = merge;
    this.push = push;
    this.quietMs = opts.quietMs ?? 100;
    this.maxMs = opts.maxMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Adds an event to the pending batch. */
  enqueue(req: T): void {
    const t = this.now();
    if (this.pending === undefined) {
      this.pending = req;
      this.firstAt = t;
      this.events = 0;
    } else {
      this.pending = this.merge(this.pending, req);
    }
    this.events++;
    this.lastAt = t;
    if (!this.timer) this.arm(this.quietMs);
  }

  /** Stops timers; a pending batch is dropped. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, ms));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    if (this.pending === undefined) return;
    const t = this.now();
    const quiet = t - this.lastAt;
    const sinceFirst = t - this.firstAt;
    if (this.pushing) {
      this.arm(this.quietMs);
      return;
    }
    if (quiet < this.quietMs && sinceFirst < this.maxMs) {
      this.arm(Math.min(this.quietMs - quiet, this.maxMs - sinceFirst));
      return;
    }
    const req = this.pending;
    const stats = { events: this.events, quietMs: quiet, sinceFirstMs: sinceFirst };
    this.pending = undefined;
    this.pushing = true;
    void this.push(req, stats)
      .catch(() => undefined)
      .finally(() => {
        this.pushing = false;
        if (this.pending !== undefined && !this.timer) this.arm(0);
      });
  }
}
