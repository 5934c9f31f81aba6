// Test helper: istiod as a child process (from source), with its "istiod: ready" ports, its logs, and a restart that
// keeps the same xDS port so connected clients can reconnect to it.
import { type ChildProcess } from 'node:child_process';
import { spawnApp, waitFor } from '@mesh/testing';

export interface IstiodPorts {
  grpc: number;
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
}

/** A running istiod; `logs` accumulates stdout and stderr of every run. */
export class IstiodProcess {
  private proc: ChildProcess | undefined;
  private readonly opts: IstiodProcessOptions;
  logs = '';
  ports: IstiodPorts = { grpc: 0, http: 0, monitoring: 0, https: 0 };

  constructor(opts: IstiodProcessOptions) {
    this.opts = opts;
  }

  /** Starts istiod and waits for its ready line (up to 30 s). */
  async start(): Promise<IstiodPorts> {
    const source = this.opts.configDir ? ['--configDir', this.opts.configDir] : ['--kubeconfig', this.opts.kubeconfig ?? ''];
    const grpcPort = this.opts.grpcPort ?? this.ports.grpc;
    const proc = spawnApp('istiod', [...source, '--grpcAddr', `127.0.0.1:${grpcPort}`, '--httpAddr', '127.0.0.1:0', '--monitoringAddr', '127.0.0.1:0', '--httpsAddr', '127.0.0.1:0']);
    this.proc = proc;
    const from = this.logs.length;
    proc.stdout!.on('data', (d: Buffer) => (this.logs += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.logs += d.toString()));
    let exited = false;
    proc.once('exit', () => (exited = true));
    await waitFor(() => {
      if (exited) throw new Error(`istiod exited before ready:\n${this.logs.slice(from)}`);
      return this.logs.slice(from).includes('"istiod: ready"');
    }, 30_000).catch((err: unknown) => {
      throw new Error(`istiod did not get ready: ${String(err)}\n${this.logs.slice(from)}`);
    });
    const line = this.logs.slice(from).split('\n').find((l) => l.includes('"istiod: ready"'))!;
    this.ports = (JSON.parse(line) as { ports: IstiodPorts }).ports;
    return this.ports;
  }

  /** Stops istiod (SIGTERM, then SIGKILL after 5 s) and waits for the process to exit. */
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
