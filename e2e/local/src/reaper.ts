// The reaper: a detached helper process that outlives its owner. It holds the read end of a pipe from the owner;
// when the owner dies however it dies (SIGKILL included), the pipe closes and the reaper removes whatever the
// owner's state file still lists. A clean shutdown deletes the state file first, so the reaper then has nothing to do.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { reapStaleRuns } from './run-registry.ts';

/** Starts the reaper for this process; it logs to logPath. */
export function startReaper(logPath: string): void {
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, ['--conditions=@mesh/source', fileURLToPath(import.meta.url), String(process.pid)], {
    detached: true, // own session: a Ctrl-C on the terminal reaches the owner, not the reaper
    stdio: ['pipe', log, log],
  });
  closeSync(log);
  // Keep the write end open for our whole life without keeping the event loop alive.
  child.unref();
  (child.stdin as Socket | null)?.unref();
}

async function reaperMain(ownerPid: string): Promise<void> {
  process.stdin.resume();
  await new Promise<void>((resolve) => {
    process.stdin.on('close', resolve);
    process.stdin.on('end', resolve);
    process.stdin.on('error', () => resolve());
  });
  const reaped = await reapStaleRuns();
  for (const r of reaped) {
    process.stdout.write(
      JSON.stringify({ msg: 'reaped run of dead owner', owner: ownerPid, slot: r.slot, problems: r.problems }) + '\n',
    );
  }
  process.exit(0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  await reaperMain(process.argv[2] ?? '?');
}
