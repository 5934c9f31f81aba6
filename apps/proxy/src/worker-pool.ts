// The --concurrency workers: started once, each receives every snapshot the main runtime accepted.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { StatsStore } from '@mesh/dataplane';
import type { XdsSnapshot } from '@mesh/xds';
import type { WorkerMessage, WorkerReport } from './worker-messages.ts';

/** Worker threads sharing the listeners through SO_REUSEPORT. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private seq = 0;
  private readonly log: Logger;

  constructor(count: number, stats: StatsStore, log: Logger, logLevel: string) {
    this.log = log;
    const file = new URL(import.meta.url.endsWith('.ts') ? './proxy-worker.ts' : './proxy-worker.js', import.meta.url);
    for (let id = 1; id <= count; id++) {
      const w = new Worker(file, { workerData: { id, logLevel } });
      w.on('message', (m: WorkerReport) => {
        if (m.kind === 'stats') stats.setRemote(m.id, m.entries);
        else if (m.errors.length) this.log.warn({ worker: m.id, errors: m.errors }, 'worker rejected a snapshot the main thread accepted');
      });
      w.on('error', (e) => this.log.error({ worker: id, err: e.message }, 'worker failed'));
      this.workers.push(w);
    }
  }

  private send(m: WorkerMessage): void {
    for (const w of this.workers) w.postMessage(m);
  }

  /** Hands an accepted snapshot to every worker. */
  apply(snapshot: XdsSnapshot): void {
    this.send({ kind: 'apply', seq: ++this.seq, snapshot });
  }

  /** Stops accepting on the workers' listeners. */
  drain(inboundOnly: boolean): void {
    this.send({ kind: 'drain', inboundOnly });
  }

  /** Stops the workers. */
  async stop(): Promise<void> {
    this.send({ kind: 'stop' });
    await Promise.all(this.workers.map((w) => new Promise((r) => w.once('exit', r))));
  }
}
