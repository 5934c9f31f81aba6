// istiod started from source on loopback with ephemeral ports, as apps/istiod/src/istiod.spec.ts does.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@mesh/testing';
import { appCommand, waitFor } from '@mesh/testing';
import { stopProcess, track } from './child-cleanup.ts';

export interface IstiodPorts {
  grpc: number;
  http: number;
  monitoring: number;
  https: number;
}

export interface RunningIstiod {
  proc: ChildProcess;
  pid: number;
  ports: IstiodPorts;
  /** Milliseconds from spawn to the "istiod: ready" log line. */
  startupMs: number;
  /** Everything istiod logged so far (bounded to the last 1 MB). */
  logs(): string;
  stop(): Promise<void>;
}

/** Spawns istiod reading configDir and waits (bounded) for its "istiod: ready" line. */
export async function startIstiod(configDir: string, extraArgs: string[] = [], readyTimeoutMs = 90_000): Promise<RunningIstiod> {
  const started = performance.now();
  // Newer istiod also serves TLS xDS + CA on 15012 and keeps CA state next to the config dir: keep both private.
  const securityDir = `${configDir}-security`;
  const secureFlags = istiodFlags().includes('--secureGRPCAddr') ? ['--secureGRPCAddr', '127.0.0.1:0', '--securityDir', securityDir] : [];
  const { command, args } = appCommand('istiod', [
    '--configDir', configDir,
    '--grpcAddr', '127.0.0.1:0',
    '--httpAddr', '127.0.0.1:0',
    '--monitoringAddr', '127.0.0.1:0',
    '--httpsAddr', '127.0.0.1:0',
    ...secureFlags,
    ...extraArgs,
  ]);
  // ISTIOD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles istiod; NODE_OPTIONS refuses such flags.
  const nodeArgs = (process.env['ISTIOD_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const proc = spawn(command, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  let logs = '';
  let ready: string | undefined;
  const onData = (d: Buffer) => {
    logs += d.toString();
    if (logs.length > 1_048_576) logs = logs.slice(-1_048_576);
    if (!ready) ready = logs.split('\n').find((l) => l.includes('"istiod: ready"'));
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const stop = async () => {
    await stopProcess(proc);
    rmSync(securityDir, { recursive: true, force: true });
  };
  try {
    await waitFor(() => ready !== undefined || proc.exitCode !== null, readyTimeoutMs);
  } catch (err) {
    await stop();
    throw new Error(`istiod did not become ready in ${readyTimeoutMs} ms: ${String(err)}\n${logs.slice(-2000)}`);
  }
  if (!ready) throw new Error(`istiod exited with ${proc.exitCode} before it was ready:\n${logs.slice(-2000)}`);
  const ports = (JSON.parse(ready) as { ports: IstiodPorts }).ports;
  return { proc, pid: proc.pid!, ports, startupMs: Math.round(performance.now() - started), logs: () => logs, stop };
}

/** The source of istiod's flag definitions, to pass only flags this version of istiod has. */
function istiodFlags(): string {
  return readFileSync(join(repoRoot, 'apps/istiod/src/main.ts'), 'utf8');
}
