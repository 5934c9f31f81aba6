// Test helper: network namespaces created and removed by a test, with commands and Node scripts run inside.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Fails loudly (never skips) when the machine cannot run namespace tests. */
export function requireRootAndNetns(): void {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces + iptables); run it as root');
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(`iproute2 "ip netns" is not usable: ${probe.error?.message ?? probe.stderr}`);
}

/** A network namespace owned by a test. */
export class Netns {
  readonly name: string;
  private readonly children = new Set<ChildProcess>();

  constructor(name: string) {
    this.name = name;
    execFileSync('ip', ['netns', 'add', name]);
    this.exec('ip', 'link', 'set', 'lo', 'up');
  }

  /** Runs a command in the namespace and returns stdout; throws with stderr on failure. */
  exec(cmd: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs a command in the namespace and returns exit code and output, never throwing. */
  run(cmd: string, args: string[], opts: { uid?: number; env?: NodeJS.ProcessEnv } = {}): { code: number; stdout: string; stderr: string } {
    const full = opts.uid === undefined ? [cmd, ...args] : ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', cmd, ...args];
    const res = spawnSync('ip', ['netns', 'exec', this.name, ...full], { encoding: 'utf8', timeout: 60_000, env: opts.env ?? process.env });
    return { code: res.status ?? 1, stdout: res.stdout ?? '', stderr: `${res.stderr ?? ''}${res.error ? res.error.message : ''}` };
  }

  /** Starts a long-running Node script in the namespace and waits for it to print `ready`. */
  async startNode(script: string, args: string[]): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', this.name, process.execPath, '--conditions=@mesh/source', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`${script} ${args.join(' ')} not ready after 15s: ${err}`)), 15_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code}: ${err}`));
      });
    });
    return child;
  }

  /** Stops the background processes started in this namespace. */
  async stopChildren(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    this.children.clear();
  }

  /** Stops children and deletes the namespace (best effort, for afterAll). */
  async destroy(): Promise<void> {
    await this.stopChildren();
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}

/** iptables-save output without comments and packet counters, for comparing states. */
export function normalizedSave(ns: Netns, bin: 'iptables-save' | 'ip6tables-save'): string {
  return ns
    .exec(bin)
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ''))
    .join('\n');
}

const BUILTIN = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);

/** Rules and custom chains in an iptables-save dump; empty means the tables are clean. */
export function rulesAndCustomChains(save: string): string[] {
  return save.split('\n').filter((l) => l.startsWith('-A ') || (l.startsWith(':') && !BUILTIN.has(l.slice(1).split(' ')[0] ?? '')));
}
