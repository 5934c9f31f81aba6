import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import type { Logger } from '@mesh/telemetry';

/** How to run and stop the proxy. */
export interface SupervisorOptions {
  /** Proxy executable and the arguments placed before `-c <bootstrap>`. */
  command: string;
  args?: string[];
  bootstrapPath: string;
  /** Extra arguments after the bootstrap (e.g. --concurrency 2 --log-level warning). */
  extraArgs?: string[];
  adminPort: number;
  /** First restart delay; doubles on every crash up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run longer than this resets the backoff. */
  stableAfterMs?: number;
  /** Time between starting the drain and stopping the proxy (terminationDrainDuration). */
  terminationDrainMs: number;
  /** Time the proxy gets to exit after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /** Sidecars drain inbound listeners only (upstream); gateways drain all. */
  inboundOnlyDrain?: boolean;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  onStart?: (pid: number, epoch: number) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null, epoch: number) => void;
  /**
   * Keep a warm standby proxy (mesh-proxy only: it understands MESH_PROXY_STANDBY over an IPC channel), so a crashed
   * proxy is replaced without a cold start. Costs one idle process.
   */
  warmStandby?: boolean;
  /** Delay before a new standby is started after the previous one was promoted (default 1 s). */
  standbyDelayMs?: number;
}

/** POSTs to the proxy's admin API; resolves with the HTTP status (0 when unreachable). */
export function adminPost(port: number, path: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * Runs the proxy, restarts it when it exits (exponential backoff from a small first delay so a
 * killed proxy is back quickly), and drains and stops it on request.
 */
export class ProxySupervisor {
  private child: ChildProcess | undefined;
  private epoch = 0;
  private backoffMs: number;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly o: SupervisorOptions;
  private exitWaiters: (() => void)[] = [];
  private standby: { child: ChildProcess; ready: boolean } | undefined;
  private standbyTimer: NodeJS.Timeout | undefined;

  constructor(o: SupervisorOptions) {
    this.o = o;
    this.backoffMs = o.initialBackoffMs ?? 20;
  }

  /** Number of times the proxy has been started. */
  get starts(): number {
    return this.epoch;
  }

  /** PID of the running proxy, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the first proxy process. */
  start(): void {
    this.spawnProxy();
  }

  private spawnProxy(): void {
    if (this.stopping) return;
    const epoch = ++this.epoch;
    const startedAt = Date.now();
    const warm = this.standby;
    let child: ChildProcess;
    if (warm?.ready && warm.child.exitCode === null && warm.child.connected) {
      this.standby = undefined;
      child = warm.child;
      child.removeAllListeners('exit');
      child.send('start');
      this.o.logger?.info({ pid: child.pid, epoch }, 'proxy started (warm standby promoted)');
      if (child.pid !== undefined) this.o.onStart?.(child.pid, epoch);
    } else {
      const args = [...(this.o.args ?? []), '-c', this.o.bootstrapPath, ...(this.o.extraArgs ?? [])];
      child = spawn(this.o.command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...(this.o.env ?? process.env), MESH_PROXY_EXIT_WITH_PARENT: '1' } });
      child.once('spawn', () => {
        this.o.logger?.info({ pid: child.pid, epoch }, 'proxy started');
        if (child.pid !== undefined) this.o.onStart?.(child.pid, epoch);
      });
      child.once('error', (err) => this.o.logger?.error({ err: err.message, epoch }, 'proxy failed to start'));
    }
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.o.onExit?.(code, signal, epoch);
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      waiters.forEach((w) => w());
      if (this.stopping) {
        this.o.logger?.info({ code, signal, epoch }, 'proxy stopped');
        return;
      }
      if (Date.now() - startedAt > (this.o.stableAfterMs ?? 10_000)) this.backoffMs = this.o.initialBackoffMs ?? 20;
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 10_000);
      this.o.logger?.warn({ code, signal, epoch, restartInMs: delay }, 'proxy exited; restarting');
      this.restartTimer = setTimeout(() => this.spawnProxy(), delay);
    });
    this.scheduleStandby();
  }

  /** Starts a standby proxy a little later, so it does not compete with the active one's start-up. */
  private scheduleStandby(): void {
    if (!this.o.warmStandby || this.standby || this.stopping) return;
    if (this.standbyTimer) clearTimeout(this.standbyTimer);
    this.standbyTimer = setTimeout(() => this.spawnStandby(), this.o.standbyDelayMs ?? 1000);
    this.standbyTimer.unref();
  }

  private spawnStandby(): void {
    if (this.stopping || this.standby) return;
    const args = [...(this.o.args ?? []), '-c', this.o.bootstrapPath, ...(this.o.extraArgs ?? [])];
    const child = spawn(this.o.command, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...(this.o.env ?? process.env), MESH_PROXY_STANDBY: '1', MESH_PROXY_EXIT_WITH_PARENT: '1' },
    });
    const entry = { child, ready: false };
    this.standby = entry;
    child.on('message', (m) => {
      if (m !== 'standby-ready') return;
      entry.ready = true;
      this.o.logger?.info({ pid: child.pid }, 'proxy standby ready');
    });
    child.once('error', (err) => this.o.logger?.warn({ err: err.message }, 'proxy standby failed to start'));
    child.once('exit', () => {
      if (this.standby === entry) {
        this.standby = undefined;
        this.scheduleStandby();
      }
    });
  }

  /** PID of the warm standby, if one is ready. */
  get standbyPid(): number | undefined {
    return this.standby?.ready ? this.standby.child.pid : undefined;
  }

  private stopStandby(): void {
    if (this.standbyTimer) clearTimeout(this.standbyTimer);
    const s = this.standby;
    this.standby = undefined;
    if (s && s.child.exitCode === null) s.child.kill('SIGKILL');
  }

  private waitExit(timeoutMs: number): Promise<boolean> {
    if (!this.child) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Asks the proxy to drain its listeners gracefully (new connections refused, in-flight finish). */
  async drainListeners(): Promise<number> {
    const path = this.o.inboundOnlyDrain ? '/drain_listeners?inboundonly&graceful' : '/drain_listeners?graceful';
    const status = await adminPost(this.o.adminPort, path);
    this.o.logger?.info({ status }, 'proxy drain requested');
    return status;
  }

  /**
   * Graceful shutdown: drain, wait terminationDrainDuration, then SIGTERM (SIGKILL after the stop
   * timeout). No restarts happen after this is called.
   */
  async drainAndStop(): Promise<void> {
    this.stopping = true;
    this.stopStandby();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (!this.child) return;
    await this.drainListeners();
    await this.waitExit(this.o.terminationDrainMs);
    await this.stop();
  }

  /** Stops the proxy now (SIGTERM, then SIGKILL after the stop timeout) without draining. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopStandby();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    if (!(await this.waitExit(this.o.stopTimeoutMs ?? 5000))) {
      child.kill('SIGKILL');
      await this.waitExit(2000);
    }
  }
}
