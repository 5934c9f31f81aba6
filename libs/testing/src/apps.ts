import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Absolute path of the repository root. */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

const appEntries: Record<string, string> = {
  'mesh-proxy': 'apps/proxy/src/main.ts',
  istiod: 'apps/istiod/src/main.ts',
  'pilot-agent': 'apps/pilot-agent/src/main.ts',
  'istio-iptables': 'apps/init/src/main.ts',
  istioctl: 'apps/istioctl/src/main.ts',
};

/** Absolute path of an app's source entry (main.ts). */
export function appEntry(bin: string): string {
  const entry = appEntries[bin];
  if (!entry) throw new Error(`unknown app ${bin}`);
  return resolve(repoRoot, entry);
}

/** Node flags an app's launchers pass (mesh-proxy: see apps/proxy/bin/mesh-proxy.js). */
const appNodeFlags: Record<string, string[]> = {
  'mesh-proxy': ['--max-semi-space-size=8'],
};

/** The command that runs one of the apps from source on the current Node (no build needed). */
export function appCommand(bin: string, args: string[] = []): { command: string; args: string[] } {
  return { command: process.execPath, args: [...(appNodeFlags[bin] ?? []), '--conditions=@mesh/source', appEntry(bin), ...args] };
}

/** Spawns an app from source; stdout/stderr are piped so tests can read them. */
export function spawnApp(bin: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess {
  const { command, args: full } = appCommand(bin, args);
  return spawn(command, full, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** How a finished app run ended and what it printed. */
export interface AppRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an app from source to completion (killed after timeoutMs), optionally feeding stdin. */
export function runApp(bin: string, args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<AppRun> {
  return new Promise((done, fail) => {
    const child = spawnApp(bin, args, { stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  });
}
