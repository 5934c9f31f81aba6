// Tracks subscribed resources not received yet, with Envoy's initial_fetch_timeout: a snapshot is complete when
// every awaited resource arrived, was reported absent, or its initial fetch timed out.

/** Awaited resources per type, each with the time after which it no longer blocks a snapshot. */
export class FetchTracker {
  private readonly awaited = new Map<string, Map<string, number>>();
  private readonly timeoutMs: number;

  /** `timeoutMs` 0 waits forever, like Envoy's initial_fetch_timeout: 0s. */
  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Starts waiting for these names of a type ('' stands for "the first response of a wildcard type"). */
  await(typeUrl: string, names: Iterable<string>, now = Date.now()): void {
    let map = this.awaited.get(typeUrl);
    if (map === undefined) {
      map = new Map();
      this.awaited.set(typeUrl, map);
    }
    for (const name of names) if (!map.has(name)) map.set(name, this.timeoutMs === 0 ? Infinity : now + this.timeoutMs);
  }

  /** Stops waiting for these names (received, removed or unsubscribed). */
  settle(typeUrl: string, names: Iterable<string>): void {
    const map = this.awaited.get(typeUrl);
    for (const name of names) map?.delete(name);
  }

  /** Stops waiting for anything of a type. */
  settleAll(typeUrl: string): void {
    this.awaited.delete(typeUrl);
  }

  /** Names still blocking at `now`. */
  blocking(now = Date.now()): Array<{ typeUrl: string; name: string }> {
    const out: Array<{ typeUrl: string; name: string }> = [];
    for (const [typeUrl, map] of this.awaited) for (const [name, deadline] of map) if (deadline > now) out.push({ typeUrl, name });
    return out;
  }

  /** Names whose fetch timed out at `now` (they are dropped from tracking). */
  expire(now = Date.now()): Array<{ typeUrl: string; name: string }> {
    const out: Array<{ typeUrl: string; name: string }> = [];
    for (const [typeUrl, map] of this.awaited) {
      for (const [name, deadline] of map) {
        if (deadline <= now) {
          out.push({ typeUrl, name });
          map.delete(name);
        }
      }
    }
    return out;
  }

  /** The earliest finite deadline, if any. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const map of this.awaited.values()) for (const deadline of map.values()) if (Number.isFinite(deadline) && (next === undefined || deadline < next)) next = deadline;
    return next;
  }
}
