// A directory lock so two `npm run testenv` runs (several helpers share one cache) never build at the same time.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the lock at `dir` (waiting while a live process holds it); returns the release function. */
export function acquireLock(dir, log) {
  const pidFile = join(dir, 'pid');
  let announced = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(pidFile, String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(safeRead(pidFile), 10);
    if (Number.isFinite(holder) && !pidAlive(holder)) {
      rmSync(dir, { recursive: true, force: true }); // stale lock from a killed run
      continue;
    }
    if (!announced) log(`waiting for another testenv install (pid ${holder || '?'}) to finish`);
    announced = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
  }
}

function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
