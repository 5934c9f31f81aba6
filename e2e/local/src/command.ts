// Runs host commands (ip, iptables, sysctl) and turns a failure into an error that names the command and its stderr.
import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs `cmd args...` to completion; rejects with the command line, exit code and stderr when it fails. */
export function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException & { code?: unknown }).code;
        reject(new Error(`${cmd} ${args.join(' ')} failed (${String(code ?? err.message)}): ${String(stderr).trim() || err.message}`));
        return;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Like run(), but a failure is reported as `false` (for teardown steps whose object may already be gone). */
export async function tryRun(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<boolean> {
  try {
    await run(cmd, args, timeoutMs);
    return true;
  } catch {
    return false;
  }
}
