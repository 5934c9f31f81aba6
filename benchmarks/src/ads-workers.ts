// The coordinator's side of the ADS worker processes: fork them, hand each a share of the sidecars, gather reports.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EnvoyJson } from '@mesh/xds';
import type { WorkerCommand, WorkerReport } from './ads-worker.ts';
import { stopProcess, track } from './child-cleanup.ts';

/** A pool of forked ADS client processes. */
export class AdsWorkers {
  readonly procs: ChildProcess[];

  constructor(count: number) {
    this.procs = Array.from({ length: count }, () =>
      track(fork(join(import.meta.dirname, 'ads-worker.ts'), [], { execArgv: ['--conditions=@mesh/source'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })),
    );
  }

  /** Resolves once every worker has loaded its modules and protos. */
  ready(timeoutMs: number): Promise<unknown> {
    return Promise.all(this.procs.map((p) => this.waitFor(p, 'ready', timeoutMs)));
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid!);
  }

  /** Splits the nodes round-robin over the workers and starts their clients; resolves with every worker's report. */
  start(target: string, nodes: EnvoyJson[], timeoutMs: number): Promise<Array<Extract<WorkerReport, { type: 'initial' }>>> {
    return Promise.all(
      this.procs.map((p, w) => {
        const share = nodes.filter((_, i) => i % this.procs.length === w);
        return this.ask(p, { type: 'start', target, nodes: share, timeoutMs }, 'initial', timeoutMs + 10_000);
      }),
    );
  }

  /**
   * Tells every worker to watch for a marker; resolves once all are watching. The results come later through
   * `converged` (wrapped in an object: an async function returning a bare promise would wait for it).
   */
  async watch(marker: string, timeoutMs: number): Promise<{ converged: Promise<Array<Extract<WorkerReport, { type: 'converged' }>>> }> {
    const converged = Promise.all(this.procs.map((p) => this.waitFor(p, 'converged', timeoutMs + 10_000)));
    converged.catch(() => undefined); // observed by the caller; avoid an unhandled rejection before it awaits
    await Promise.all(this.procs.map((p) => this.ask(p, { type: 'watch', marker, timeoutMs }, 'watching', 10_000)));
    return { converged };
  }

  async stop(): Promise<void> {
    for (const p of this.procs) if (p.connected) p.send({ type: 'stop' } satisfies WorkerCommand);
    await Promise.all(this.procs.map((p) => stopProcess(p, 3000)));
  }

  private ask<T extends WorkerReport['type']>(p: ChildProcess, cmd: WorkerCommand, reply: T, timeoutMs: number): Promise<Extract<WorkerReport, { type: T }>> {
    const answer = this.waitFor(p, reply, timeoutMs);
    p.send(cmd);
    return answer;
  }

  private waitFor<T extends WorkerReport['type']>(p: ChildProcess, reply: T, timeoutMs: number): Promise<Extract<WorkerReport, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        p.off('message', onMessage);
        reject(new Error(`worker ${p.pid} sent no "${reply}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: WorkerReport) => {
        if (m.type !== reply) return;
        clearTimeout(timer);
        p.off('message', onMessage);
        resolve(m as Extract<WorkerReport, { type: T }>);
      };
      p.on('message', onMessage);
    });
  }
}
