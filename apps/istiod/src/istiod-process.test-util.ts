// Test helper: istiod as a child process (from source), with its "istiod: ready" ports, its logs, and a restart that
// keeps the same xDS port so connected clients can reconnect to it.
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnApp, waitFor } from '@mesh/testing';

export interface IstiodPorts {
  grpc: number;
  secureGrpc?: number;
  http: number;
  monitoring: number;
  https: number;
}

export interface IstiodProcessOptions {
  /** Local mode: a directory of Kubernetes-shaped YAML. */
  configDir?: string;
  /** Kubernetes mode. */
  kubeconfig?: string;
  /** Fixed xDS port (needed to restart on the same address); 0 = any. */
  grpcPort?: number;
  /** Extra environment variables (e.g. ROOT_CA_DIR). */
  env?: Record<string, string>;
}

/** A running istiod; `logs` accumulates stdout and stderr of every run. */
export class IstiodProcess {
  private proc: ChildProcess | undefined;
  private readonly opts: IstiodProcessOptions;
  /** Local mode's CA material; kept across restarts, removed by close(). */
  private securityDir: string | undefined;
  logs = '';
  ports: IstiodPorts = { grpc: 0, http: 0, monitoring: 0, https: 0 };

  constructor(opts: IstiodProcessOptions) {
    this.opts = opts;
  }

  /** Starts istiod and waits for its ready line (up to 30 s). */
  async start(): Promise<IstiodPorts> {
    let source = ['--kubeconfig', this.opts.kubeconfig ?? ''];
    if (this.opts.configDir) {
      this.securityDir ??= mkdtempSync(join(tmpdir(), 'istiod-security-'));
      source = ['--configDir', this.opts.configDir, '--securityDir', this.securityDir];
    }
    const grpcPort = this.opts.grpcPort ?? this.ports.grpc;
    // Every port on loopback and chosen by the kernel (except a fixed xDS port), so parallel tests never collide.
    const addrs = ['--grpcAddr', `127.0.0.1:${grpcPort}`, '--secureGRPCAddr', '127.0.0.1:0', '--httpAddr', '127.0.0.1:0', '--monitoringAddr', '127.0.0.1:0', '--httpsAddr', '127.0.0.1:0'];
    const proc = spawnApp('istiod', [...source, ...addrs], this.opts.env ? { env: { ...process.env, ...this.opts.env } } : {});
    this.proc = proc;
    const from = this.logs.length;
    proc.stdout!.on('data', (d: Buffer) => (this.logs += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.logs += d.toString()));
    // An istiod that exits during start-up (bad flags, a CA it refuses) fails the start at once, with its logs.
    let onExit: ((code: number | null) => void) | undefined;
    const exited = new Promise<never>((_, reject) => {
      onExit = (code) => reject(new Error(`istiod exited (code ${code}) before ready:\n${this.logs.slice(from)}`));
      proc.once('exit', onExit);
    });
    exited.catch(() => undefined);
    try {
      await Promise.race([
        exited,
        waitFor(() => this.logs.slice(from).includes('"istiod: ready"'), 30_000).catch((err: unknown) => {
          throw new Error(`istiod did not get ready: ${String(err)}\n${this.logs.slice(from)}`);
        }),
      ]);
    } finally {
      if (onExit) proc.off('exit', onExit);
    }
    const line = this.logs.slice(from).split('\n').find((l) => l.includes('"istiod: ready"'))!;
    this.ports = (JSON.parse(line) as { ports: IstiodPorts }).ports;
    return this.ports;
  }

  /** Stops istiod for good and removes the CA material it kept for restarts. */
  async close(): Promise<void> {
    await this.stop();
    if (this.securityDir) rmSync(this.securityDir, { recursive: true, force: true });
    this.securityDir = undefined;
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit; `start()` or `restart()` resume. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops and starts again on the same xDS port. */
  async restart(): Promise<IstiodPorts> {
    const grpc = this.ports.grpc;
    await this.stop();
    this.opts.grpcPort = grpc;
    return this.start();
  }
}
