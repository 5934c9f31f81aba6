// Exponential reconnect backoff with ±20 % jitter, shared by the ADS and SDS clients: doubles after every lost
// stream up to a cap, and starts over once a stream delivers a response.

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
}

export class ReconnectBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private currentMs: number;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? 500;
    this.maxMs = o.maxMs ?? 30_000;
    this.currentMs = this.initialMs;
  }

  /** The delay before the next attempt (without jitter), for logs. */
  get nominalMs(): number {
    return this.currentMs;
  }

  /** The jittered delay to wait now; the next one doubles, up to the cap. */
  next(): number {
    const delay = this.currentMs * (0.8 + Math.random() * 0.4);
    this.currentMs = Math.min(this.currentMs * 2, this.maxMs);
    return delay;
  }

  /** A stream worked: the next loss starts from the initial delay again. */
  reset(): void {
    this.currentMs = this.initialMs;
  }
}
