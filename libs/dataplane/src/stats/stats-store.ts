// Envoy-named counters and gauges. Hot paths hold direct references to Counter/Gauge objects so that a request
// increments a field instead of building a stat name.

/** A monotonically increasing counter. */
export class Counter {
  readonly name: string;
  value = 0;
  used = false;
  constructor(name: string) {
    this.name = name;
  }
  /** Adds `n` (default 1). */
  inc(n = 1): void {
    this.value += n;
    this.used = true;
  }
}

/** A value that goes up and down. */
export class Gauge {
  readonly name: string;
  value = 0;
  used = false;
  constructor(name: string) {
    this.name = name;
  }
  /** Adds `n` (default 1). */
  inc(n = 1): void {
    this.value += n;
    this.used = true;
  }
  /** Subtracts `n` (default 1). */
  dec(n = 1): void {
    this.value -= n;
  }
  /** Sets the value. */
  set(v: number): void {
    this.value = v;
    this.used = true;
  }
}

/** One stat as rendered or reported between threads. */
export interface StatEntry {
  name: string;
  value: number;
  type: 'counter' | 'gauge';
  used: boolean;
}

// Gauges that describe the process (or a config every worker shares), not per-worker load.
const processWide = new Set([
  'server.state',
  'server.live',
  'server.uptime',
  'server.concurrency',
  'listener_manager.workers_started',
  'listener_manager.total_listeners_active',
  'cluster_manager.active_clusters',
]);

/** The process-wide stat registry. */
export class StatsStore {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();

  /** The counter with this name, created on first use. */
  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      c = new Counter(name);
      this.counters.set(name, c);
    }
    return c;
  }

  /** The gauge with this name, created on first use. */
  gauge(name: string): Gauge {
    let g = this.gauges.get(name);
    if (!g) {
      g = new Gauge(name);
      this.gauges.set(name, g);
    }
    return g;
  }

  private readonly remote = new Map<number, StatEntry[]>();

  /** Value of a counter or gauge (summed over workers), or undefined. */
  value(name: string): number | undefined {
    const local = this.counters.get(name)?.value ?? this.gauges.get(name)?.value;
    let sum = local;
    for (const entries of this.remote.values()) {
      const e = entries.find((x) => x.name === name);
      if (e) sum = (sum ?? 0) + e.value;
    }
    return sum;
  }

  /** This store's own stats (what a worker reports to the main thread). */
  local(): StatEntry[] {
    const out: StatEntry[] = [];
    for (const c of this.counters.values()) out.push({ name: c.name, value: c.value, type: 'counter', used: c.used });
    for (const g of this.gauges.values()) out.push({ name: g.name, value: g.value, type: 'gauge', used: g.used });
    return out;
  }

  /** Replaces the last report of worker `id`; its values are added to this store's in all() and value(). */
  setRemote(id: number, entries: StatEntry[]): void {
    this.remote.set(id, entries);
  }

  /** All stats (local plus worker reports, summed by name) sorted by name. Process-wide gauges are not summed. */
  all(): StatEntry[] {
    const merged = new Map<string, StatEntry>();
    for (const e of this.local()) merged.set(e.name, { ...e });
    for (const entries of this.remote.values()) {
      for (const e of entries) {
        const cur = merged.get(e.name);
        if (!cur) merged.set(e.name, { ...e });
        else if (!processWide.has(e.name)) {
          cur.value += e.value;
          cur.used ||= e.used;
        }
      }
    }
    return [...merged.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
