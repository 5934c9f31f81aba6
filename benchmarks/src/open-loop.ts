// Open-loop load: requests start on a fixed schedule whether or not earlier ones have finished, so a slow server
// shows up as latency instead of silently lowering the offered rate (no coordinated omission).

export interface OpenLoopSample {
  /** Milliseconds from the intended start to completion (includes any lag of the sender itself). */
  fromSchedule: number;
  /** Milliseconds from the actual send to completion (the server's share plus the network). */
  fromSend: number;
  ok: boolean;
  error?: string;
}

export interface OpenLoopOptions {
  ratePerSecond: number;
  durationSeconds: number;
  /** Upper bound on one request; a request that takes longer is recorded as failed. */
  timeoutMs: number;
}

/** Runs `send` at a steady rate for a fixed number of requests and collects one sample per request. */
export async function runOpenLoop(opts: OpenLoopOptions, send: (i: number) => Promise<void>): Promise<{ samples: OpenLoopSample[]; maxSendLagMs: number }> {
  const count = Math.max(1, Math.round(opts.ratePerSecond * opts.durationSeconds));
  const period = 1000 / opts.ratePerSecond;
  const start = performance.now();
  const pending: Array<Promise<OpenLoopSample>> = [];
  let maxSendLagMs = 0;
  for (let i = 0; i < count; i++) {
    const due = start + i * period;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sentAt = performance.now();
    maxSendLagMs = Math.max(maxSendLagMs, sentAt - due);
    pending.push(timed(send(i), due, sentAt, opts.timeoutMs));
  }
  return { samples: await Promise.all(pending), maxSendLagMs: Math.round(maxSendLagMs * 1000) / 1000 };
}

async function timed(p: Promise<void>, due: number, sentAt: number, timeoutMs: number): Promise<OpenLoopSample> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([p, timeout]);
    const done = performance.now();
    return { fromSchedule: done - due, fromSend: done - sentAt, ok: true };
  } catch (err) {
    const done = performance.now();
    return { fromSchedule: done - due, fromSend: done - sentAt, ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
