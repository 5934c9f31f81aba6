// The host objects the runner creates, and how each one is removed. Every removal tolerates an object that is
// already gone, so teardown can be repeated and can finish a crashed run's half-done teardown.
import { rmSync } from 'node:fs';
import { run, tryRun } from './command.ts';
import { isAlive, processStartTime, type ProcessIdentity } from './process-identity.ts';

/** One created object, recorded before it is created so a crash in between still gets it removed. */
export type Resource =
  | { kind: 'netns'; name: string }
  | { kind: 'link'; name: string }
  | { kind: 'route'; args: string[] }
  | { kind: 'iptables'; table: string; rule: string[] }
  | ({ kind: 'process'; label: string } & ProcessIdentity)
  | { kind: 'path'; path: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends SIGTERM, waits up to graceMs for the pids to exit, then SIGKILLs what is left. */
export async function killPids(pids: ProcessIdentity[], graceMs: number): Promise<void> {
  const signal = (p: ProcessIdentity, sig: NodeJS.Signals) => {
    if (!isAlive(p)) return;
    try {
      process.kill(p.pid, sig);
    } catch {
      // exited meanwhile
    }
  };
  for (const p of pids) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) await sleep(50);
  for (const p of pids) signal(p, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (Date.now() < killDeadline && pids.some(isAlive)) await sleep(20);
}

/** The processes currently inside a network namespace (whatever started them). */
export async function netnsPids(name: string): Promise<ProcessIdentity[]> {
  try {
    const { stdout } = await run('ip', ['netns', 'pids', name]);
    const out: ProcessIdentity[] = [];
    for (const tok of stdout.split(/\s+/)) {
      const pid = Number(tok);
      if (!tok || !Number.isInteger(pid) || pid === process.pid) continue;
      const startTime = processStartTime(pid);
      if (startTime !== undefined) out.push({ pid, startTime });
    }
    return out;
  } catch {
    return [];
  }
}

/** Removes one resource; returns an error message when it could not (the object is then still there). */
export async function removeResource(r: Resource, graceMs = 3000): Promise<string | undefined> {
  switch (r.kind) {
    case 'process':
      await killPids([r], graceMs);
      return isAlive(r) ? `process ${r.label} (${r.pid}) survived SIGKILL` : undefined;
    case 'netns': {
      await killPids(await netnsPids(r.name), graceMs);
      await tryRun('ip', ['netns', 'del', r.name]);
      rmSync(`/etc/netns/${r.name}`, { recursive: true, force: true });
      const { stdout } = await run('ip', ['netns', 'list']);
      return stdout.split('\n').some((l) => l.split(' ')[0] === r.name) ? `network namespace ${r.name} is still there` : undefined;
    }
    case 'link':
      await tryRun('ip', ['link', 'del', r.name]);
      return (await tryRun('ip', ['link', 'show', r.name])) ? `link ${r.name} is still there` : undefined;
    case 'route':
      await tryRun('ip', ['route', 'del', ...r.args]);
      return undefined;
    case 'iptables':
      // A rule inserted twice (a retried setup) needs as many deletions; bounded so a broken iptables cannot spin.
      for (let i = 0; i < 10 && (await tryRun('iptables', ['-w', '-t', r.table, '-D', ...r.rule])); i++);
      return (await tryRun('iptables', ['-w', '-t', r.table, '-C', ...r.rule])) ? `iptables rule -t ${r.table} ${r.rule.join(' ')} is still there` : undefined;
    case 'path':
      rmSync(r.path, { recursive: true, force: true });
      return undefined;
  }
}

/**
 * Removes resources in teardown order: processes first (they hold namespaces and sockets), then everything
 * else in reverse creation order. Returns the problems that remain.
 */
export async function removeAll(resources: readonly Resource[], graceMs = 3000): Promise<string[]> {
  const problems: string[] = [];
  // All processes at once, those started by the runner and anything else living in its namespaces, so the
  // grace periods overlap instead of adding up.
  const processes: ProcessIdentity[] = resources.filter((r) => r.kind === 'process');
  for (const r of resources) if (r.kind === 'netns') processes.push(...(await netnsPids(r.name)));
  await killPids(processes, graceMs);
  for (const r of [...resources].reverse()) {
    const problem = await removeResource(r, graceMs);
    if (problem) problems.push(problem);
  }
  return problems;
}
