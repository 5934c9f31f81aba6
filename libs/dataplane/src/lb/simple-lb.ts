// ROUND_ROBIN (smooth weighted), LEAST_REQUEST (power of N choices) and RANDOM.
import type { LoadBalancer, UpstreamHost } from './upstream-host.ts';

/** Weighted round robin; equal weights degrade to a plain rotation. */
export class RoundRobinLb implements LoadBalancer {
  private readonly hosts: readonly UpstreamHost[];
  private readonly weighted: boolean;
  private readonly current: number[];
  private readonly totalWeight: number;
  private next = 0;

  constructor(hosts: readonly UpstreamHost[]) {
    this.hosts = hosts;
    this.weighted = hosts.some((h) => h.spec.weight !== hosts[0]?.spec.weight);
    this.current = hosts.map(() => 0);
    this.totalWeight = hosts.reduce((s, h) => s + h.spec.weight, 0);
    // Start at a random offset so that many proxies do not all hit the first host.
    this.next = hosts.length ? Math.floor(Math.random() * hosts.length) : 0;
  }

  pick(): UpstreamHost | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (!this.weighted) {
      const h = this.hosts[this.next % n];
      this.next = (this.next + 1) % n;
      return h;
    }
    let best = 0;
    for (let i = 0; i < n; i++) {
      this.current[i] = (this.current[i] ?? 0) + (this.hosts[i]?.spec.weight ?? 0);
      if ((this.current[i] ?? 0) > (this.current[best] ?? 0)) best = i;
    }
    this.current[best] = (this.current[best] ?? 0) - this.totalWeight;
    return this.hosts[best];
  }
}

/** Random choice weighted by host weight. */
export class RandomLb implements LoadBalancer {
  private readonly hosts: readonly UpstreamHost[];
  private readonly cumulative: number[];
  constructor(hosts: readonly UpstreamHost[]) {
    this.hosts = hosts;
    let s = 0;
    this.cumulative = hosts.map((h) => (s += h.spec.weight));
  }
  pick(): UpstreamHost | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    const total = this.cumulative[n - 1] ?? 0;
    const r = Math.random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 0) > r) hi = mid;
      else lo = mid + 1;
    }
    return this.hosts[lo];
  }
}

/** Picks `choices` random hosts and keeps the one with the fewest active requests (weights scale the load). */
export class LeastRequestLb implements LoadBalancer {
  private readonly hosts: readonly UpstreamHost[];
  private readonly choices: number;
  constructor(hosts: readonly UpstreamHost[], choices: number) {
    this.hosts = hosts;
    this.choices = choices;
  }
  pick(): UpstreamHost | undefined {
    const n = this.hosts.length;
    if (n <= 1) return this.hosts[0];
    let best: UpstreamHost | undefined;
    let bestLoad = Infinity;
    for (let i = 0; i < this.choices; i++) {
      const h = this.hosts[Math.floor(Math.random() * n)] as UpstreamHost;
      const load = (h.activeRequests + 1) / h.spec.weight;
      if (load < bestLoad) {
        best = h;
        bestLoad = load;
      }
    }
    return best;
  }
}
