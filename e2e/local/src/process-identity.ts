// Identifies a process by pid plus its kernel start time, so a recorded pid that was reused by an unrelated
// process is never signalled.
import { readFileSync } from 'node:fs';

/** The start time (clock ticks since boot, field 22 of /proc/<pid>/stat) or undefined when the pid is gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    if (state === 'Z' || state === 'X') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

/** A process as recorded in the state file. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** The identity of a live pid (throws when it is not running). */
export function identify(pid: number): ProcessIdentity {
  const startTime = processStartTime(pid);
  if (startTime === undefined) throw new Error(`process ${pid} is not running`);
  return { pid, startTime };
}

/** True when the recorded process is still the same live process. */
export function isAlive(p: ProcessIdentity): boolean {
  return processStartTime(p.pid) === p.startTime;
}
