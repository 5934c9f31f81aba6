// Process supervision for the runner: start a command on the host or inside a pod's network namespace (as a
// given uid, like a container's runAsUser), send its output to a log file, and stop it. Children get a parent-death
// signal, so a runner killed outright does not leave them behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { isAlive, processStartTime, type ProcessIdentity } from './process-identity.ts';
import { killPids } from './resources.ts';
import type { RunRegistry } from './run-registry.ts';

/** What to run and where. */
export interface ProcessSpec {
  /** Short name used in logs and errors (`details/istio-proxy`). */
  label: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string>;
  /** Network namespace to run in; the host namespace when absent. */
  netns?: string;
  /** uid/gid to drop to (root when absent). */
  uid?: number;
  cwd?: string;
  logPath: string;
}

/** A started process with its log. */
export class ManagedProcess {
  readonly label: string;
  readonly logPath: string;
  readonly identity: ProcessIdentity;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  exitCode: number | null | undefined;

  constructor(label: string, logPath: string, child: ChildProcess) {
    this.label = label;
    this.logPath = logPath;
    this.child = child;
    if (child.pid === undefined) throw new Error(`${label}: failed to start (see ${logPath})`);
    // A process that already exited keeps a placeholder start time that never matches a live one.
    this.identity = { pid: child.pid, startTime: processStartTime(child.pid) ?? 'exited' };
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(code);
      });
      child.once('error', () => {
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  get running(): boolean {
    return this.exitCode === undefined && isAlive(this.identity);
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exitCode !== undefined) return;
    await killPids([this.identity], graceMs);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 1000))]);
  }
}

/** The argv that runs spec's command in its namespace, as its uid, dying with its parent. */
export function wrappedCommand(spec: ProcessSpec): string[] {
  const setpriv = ['setpriv'];
  if (spec.uid !== undefined) setpriv.push(`--reuid=${spec.uid}`, `--regid=${spec.uid}`, '--clear-groups');
  // Set after the uid change (a credential change clears it), so it survives into the command.
  setpriv.push('--pdeathsig', 'KILL', '--', spec.command, ...spec.args);
  return spec.netns ? ['ip', 'netns', 'exec', spec.netns, ...setpriv] : setpriv;
}

/** Starts a process, records it in the registry, and returns it; output goes to spec.logPath. */
export function startProcess(reg: RunRegistry, spec: ProcessSpec): ManagedProcess {
  const [cmd, ...args] = wrappedCommand(spec);
  const log = openSync(spec.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd as string, args, {
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...spec.env },
      stdio: ['ignore', log, log],
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
    });
  } finally {
    closeSync(log);
  }
  const p = new ManagedProcess(spec.label, spec.logPath, child);
  reg.record({ kind: 'process', label: spec.label, ...p.identity });
  return p;
}

/** Runs a command to completion (e.g. the init container); rejects with its log tail when it fails. */
export async function runToCompletion(reg: RunRegistry, spec: ProcessSpec, timeoutMs = 60_000): Promise<void> {
  const p = startProcess(reg, spec);
  const timer = setTimeout(() => void p.stop(500), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${spec.label} exited with ${String(code)}:\n${p.tail()}`);
}
