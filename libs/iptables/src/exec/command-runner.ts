// Runs system commands (iptables*, ip), optionally inside another network namespace via nsenter.
import { spawnSync } from 'node:child_process';

/** Outcome of one command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs commands for the executor; one instance per target network namespace. */
export class CommandRunner {
  readonly netnsPath: string;

  /** `networkNamespace` is a path (/proc/<pid>/ns/net, /var/run/netns/x) or a name under /var/run/netns; empty = current. */
  constructor(networkNamespace: string) {
    this.netnsPath = networkNamespace === '' || networkNamespace.startsWith('/') ? networkNamespace : `/var/run/netns/${networkNamespace}`;
  }

  /** Runs a command to completion; never throws for a non-zero exit (the caller decides). */
  run(bin: string, args: readonly string[], stdin?: string): CommandResult {
    const [cmd, full] = this.netnsPath ? ['nsenter', [`--net=${this.netnsPath}`, '--', bin, ...args]] : [bin, [...args]];
    const res = spawnSync(cmd, full, { input: stdin ?? '', encoding: 'utf8', timeout: 60_000 });
    if (res.error) return { code: 127, stdout: '', stderr: `${cmd}: ${res.error.message}` };
    return { code: res.status ?? 1, stdout: res.stdout, stderr: res.stderr };
  }

  /** Runs a command and throws with its stderr when it fails. */
  mustRun(bin: string, args: readonly string[], stdin?: string): string {
    const res = this.run(bin, args, stdin);
    if (res.code !== 0) throw new Error(`${bin} ${args.join(' ')} failed (exit ${res.code}): ${res.stderr.trim()}`);
    return res.stdout;
  }
}
