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

  /** Value of a counter or gauge, or undefined. */
  value(name: string): number | undefined {
    return this.counters.get(name)?.value ?? this.gauges.get(name)?.value;
  }

  /** All stats sorted by name. */
  all(): { name: string; value: number; type: 'counter' | 'gauge'; used: boolean }[] {
    const out: { name: string; value: number; type: 'counter' | 'gauge'; used: boolean }[] = [];
    for (const c of this.counters.values()) out.push({ name: c.name, value: c.value, type: 'counter', used: c.used });
    for (const g of this.gauges.values()) out.push({ name: g.name, value: g.value, type: 'gauge', used: g.used });
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }
}
