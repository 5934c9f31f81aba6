// The persistent teardown registry. Each run claims a slot (its bridge, subnets and names derive from it) and
// records every object before creating it in /run/mesh-local/slot-<n>.json. Teardown removes them in reverse; a
// run whose owner died (crash, SIGKILL) is found by the next start, or by its reaper, and removed the same way.
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identify, isAlive, processStartTime, type ProcessIdentity } from './process-identity.ts';
import { removeAll, type Resource } from './resources.ts';

/** Where run state files live (tmpfs, so a reboot, which removes every namespace anyway, also forgets them). */
export const stateDir = process.env['MESH_LOCAL_STATE_DIR'] ?? '/run/mesh-local';
/** Slots 0..15: each has its own bridge `meshbr<n>`, pod subnet 10.250.<n>.0/24 and VIP range 10.251.<n>.0/24. */
export const maxSlots = 16;

/** The content of a state file. */
export interface RunState {
  slot: number;
  owner: ProcessIdentity;
  startedAt: string;
  resources: Resource[];
}

const slotFile = (slot: number) => join(stateDir, `slot-${slot}.json`);

function readState(path: string): RunState | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

/** Owned state of one run: records resources as they are created and tears them all down. */
export class RunRegistry {
  readonly slot: number;
  readonly path: string;
  private readonly state: RunState;

  private constructor(slot: number, state: RunState) {
    this.slot = slot;
    this.path = slotFile(slot);
    this.state = state;
  }

  /** Reaps runs whose owner died, then claims the first free slot for this process. */
  static async acquire(): Promise<RunRegistry> {
    mkdirSync(stateDir, { recursive: true });
    await reapStaleRuns();
    // A slot another process is reaping has no state file but still has its bridge and namespaces: wait for the
    // reaper to finish (bounded), and never claim a slot that is still being reaped.
    for (const deadline = Date.now() + 30_000; slotsBeingReaped().size > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    const busy = slotsBeingReaped();
    const owner = identify(process.pid);
    for (let slot = 0; slot < maxSlots; slot++) {
      if (busy.has(slot)) continue;
      const state: RunState = { slot, owner, startedAt: new Date().toISOString(), resources: [] };
      const tmp = join(stateDir, `.claim-${process.pid}-${slot}.json`);
      writeFileSync(tmp, JSON.stringify(state, null, 2));
      try {
        linkSync(tmp, slotFile(slot)); // atomic: fails when the slot is taken
        return new RunRegistry(slot, state);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    throw new Error(`all ${maxSlots} local mesh slots in ${stateDir} are in use by running meshes; stop one first`);
  }

  /** Records a resource (persisted immediately) before the caller creates it. */
  record(r: Resource): void {
    this.state.resources.push(r);
    this.persist();
  }

  /** The recorded resources, oldest first. */
  get resources(): readonly Resource[] {
    return this.state.resources;
  }

  private persist(): void {
    const tmp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    renameSync(tmp, this.path);
  }

  /** Removes everything recorded and releases the slot; returns what could not be removed. */
  async teardown(graceMs = 3000): Promise<string[]> {
    const problems = await removeAll(this.state.resources, graceMs);
    if (problems.length === 0) {
      this.state.resources = [];
      rmSync(this.path, { force: true });
    } else {
      this.persist();
    }
    return problems;
  }
}

/** A state file renamed by the process reaping it: `slot-<n>.json.reaping-<pid>`. */
const reapingName = /^slot-(\d+)\.json\.reaping-(\d+)$/;

const pidRunning = (pid: number) => processStartTime(pid) !== undefined;

/** Slots whose leftovers another live process is removing right now. */
export function slotsBeingReaped(): Set<number> {
  const out = new Set<number>();
  if (!existsSync(stateDir)) return out;
  for (const name of readdirSync(stateDir)) {
    const m = reapingName.exec(name);
    if (m && Number(m[2]) !== process.pid && pidRunning(Number(m[2]))) out.add(Number(m[1]));
  }
  return out;
}

/** Removes the resources of every run whose owner is gone; returns the slots it cleaned and any problems. */
export async function reapStaleRuns(): Promise<{ slot: number; problems: string[] }[]> {
  if (!existsSync(stateDir)) return [];
  const out: { slot: number; problems: string[] }[] = [];
  for (const name of readdirSync(stateDir)) {
    const live = /^slot-(\d+)\.json$/.exec(name);
    const halfReaped = reapingName.exec(name);
    // A reaper that died mid-way left its renamed file: take the job over.
    const slotOf = live?.[1] ?? (halfReaped && !pidRunning(Number(halfReaped[2])) ? halfReaped[1] : undefined);
    if (slotOf === undefined) continue;
    const path = join(stateDir, name);
    const state = readState(path);
    if (live && state && isAlive(state.owner)) continue;
    // Only one reaper wins the rename; a concurrent one sees ENOENT and skips the slot.
    const reaping = `${slotFile(Number(slotOf))}.reaping-${process.pid}`;
    try {
      renameSync(path, reaping);
    } catch {
      continue;
    }
    const problems = state ? await removeAll(state.resources, 1000) : [];
    if (problems.length === 0) rmSync(reaping, { force: true });
    else renameSync(reaping, slotFile(Number(slotOf)));
    out.push({ slot: Number(slotOf), problems });
  }
  return out;
}

/** Reads the state of a slot, for tests and diagnostics. */
export function readSlotState(slot: number): RunState | undefined {
  return readState(slotFile(slot));
}
