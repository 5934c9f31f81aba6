// What a run slot can leave on the host (namespaces, bridge, FORWARD rules, blackhole route, processes, state
// file): the tests' proof that teardown, the reaper and `npm run demo`'s Ctrl-C remove everything.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { identify, isAlive, type ProcessIdentity } from './process-identity.ts';
import { readSlotState } from './run-registry.ts';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Names of the host's network namespaces. */
export const netnsList = (): string[] => sh('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);

/** True when a network link of that name exists on the host. */
export function linkExists(name: string): boolean {
  try {
    sh('ip', ['link', 'show', name]);
    return true;
  } catch {
    return false;
  }
}

/** Everything a slot can leave behind on the host; empty when the slot is clean. */
export function slotLeftovers(slot: number, pids: readonly ProcessIdentity[] = []): string[] {
  const out: string[] = [];
  for (const ns of netnsList()) if (ns.startsWith(`mesh${slot}-`)) out.push(`netns ${ns}`);
  if (linkExists(`meshbr${slot}`)) out.push(`bridge meshbr${slot}`);
  if (sh('iptables', ['-w', '-S', 'FORWARD']).includes(`meshbr${slot} `)) out.push('FORWARD rule');
  if (sh('ip', ['route', 'show', 'type', 'blackhole']).includes(`10.251.${slot}.0/24`)) out.push('blackhole route');
  for (const p of pids) if (isAlive(p)) out.push(`process ${p.pid}`);
  if (readSlotState(slot)) out.push('state file');
  return out;
}

/** The live descendants of a process (children, grandchildren...), read from /proc. */
export function descendants(root: number): ProcessIdentity[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process exited while we looked
    }
  }
  const out: ProcessIdentity[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    try {
      out.push(identify(pid));
    } catch {
      continue;
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}
