// Live state of one cluster: hosts, load balancer, circuit breakers, outlier detection and connection pools.
// A config update hands in a new CompiledCluster; hosts keep their state when their address is unchanged.
import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import { createLoadBalancer } from '../lb/create-lb.ts';
import { UpstreamHost, hostKey, type LoadBalancer } from '../lb/upstream-host.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import type { TlsClientConfig } from '../tls/tls-types.ts';
import type { CompiledCluster, HostSpec } from './cluster-types.ts';
import { ClusterStats } from './cluster-stats.ts';
import { UpstreamPool } from './upstream-pool.ts';

/** The outcome of one upstream attempt, as outlier detection classifies it. */
export type AttemptOutcome = number | 'connect-failure' | 'reset' | 'timeout';

/** Where an ORIGINAL_DST cluster sends a request. */
export interface OriginalDestinationHint {
  readonly address: string;
  readonly port: number;
}

const MAX_ORIGINAL_DST_HOSTS = 1024;

/** One cluster's live state. */
export class ClusterRuntime {
  config: CompiledCluster;
  readonly stats: ClusterStats;
  pool: UpstreamPool;
  private hosts = new Map<string, UpstreamHost>();
  private lb: LoadBalancer;
  private readonly log: Logger;
  private nextUnejectAt = Infinity;
  private activeRequests = 0;
  private activeRetries = 0;
  private dnsTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(config: CompiledCluster, store: StatsStore, log: Logger) {
    this.config = config;
    this.log = log;
    this.stats = new ClusterStats(store, config.name);
    this.pool = new UpstreamPool(this, config.limits, config.sourceAddress);
    this.lb = createLoadBalancer(config, []);
    this.update(config);
  }

  /** Applies a new compiled version of this cluster. */
  update(config: CompiledCluster): void {
    const settingsChanged = config.settingsKey !== this.config.settingsKey;
    this.config = config;
    if (settingsChanged) {
      this.pool.close();
      this.pool = new UpstreamPool(this, config.limits, config.sourceAddress);
    }
    if (this.dnsTimer) clearInterval(this.dnsTimer);
    this.dnsTimer = undefined;
    if (config.type === 'STRICT_DNS' || config.type === 'LOGICAL_DNS') {
      void this.resolveDns();
      this.dnsTimer = setInterval(() => void this.resolveDns(), config.dnsRefreshMs);
      this.dnsTimer.unref();
    } else if (config.type !== 'ORIGINAL_DST') {
      this.setHosts(config.hosts);
    } else {
      this.rebuild();
    }
  }

  /** Replaces the host set, keeping the state of hosts that stay. */
  setHosts(specs: readonly HostSpec[]): void {
    const next = new Map<string, UpstreamHost>();
    for (const spec of specs) {
      const key = hostKey(spec);
      const existing = this.hosts.get(key) ?? next.get(key);
      if (existing) {
        existing.spec = spec;
        next.set(key, existing);
      } else {
        next.set(key, new UpstreamHost(spec));
      }
    }
    this.hosts = next;
    this.rebuild();
  }

  private async resolveDns(): Promise<void> {
    const config = this.config;
    const specs: HostSpec[] = [];
    for (const h of config.hosts) {
      if (h.pipe) {
        specs.push(h);
        continue;
      }
      try {
        const addrs = await lookup(h.address, { all: true });
        const chosen = config.type === 'LOGICAL_DNS' ? addrs.slice(0, 1) : addrs;
        for (const a of chosen) specs.push({ ...h, address: a.address });
      } catch (e) {
        this.log.warn({ cluster: config.name, host: h.address, err: (e as Error).message }, 'DNS resolution failed');
      }
    }
    if (this.closed || config !== this.config) return;
    this.setHosts(specs);
  }

  /** Host lookup by key (pools use it to attribute connections). */
  hostByKey(key: string): UpstreamHost | undefined {
    return this.hosts.get(key);
  }

  /** All hosts (admin /clusters). */
  allHosts(): UpstreamHost[] {
    return [...this.hosts.values()];
  }

  // Rebuilds the load balancer from the lowest priority level with available hosts (outlier-ejected and
  // unhealthy hosts excluded; below the panic threshold all hosts of that level are used, as Envoy does).
  private rebuild(): void {
    const now = Date.now();
    let nextUneject = Infinity;
    let ejectedCount = 0;
    let healthyCount = 0;
    const byPriority = new Map<number, { all: UpstreamHost[]; available: UpstreamHost[] }>();
    for (const h of this.hosts.values()) {
      if (h.ejected && h.ejectedUntil <= now) {
        h.ejected = false;
        this.log.info({ cluster: this.config.name, host: h.key }, 'outlier detection: host returned to service');
      }
      if (h.ejected) {
        ejectedCount++;
        nextUneject = Math.min(nextUneject, h.ejectedUntil);
      }
      let level = byPriority.get(h.spec.priority);
      if (!level) byPriority.set(h.spec.priority, (level = { all: [], available: [] }));
      level.all.push(h);
      if (h.spec.healthy && !h.ejected) {
        level.available.push(h);
        healthyCount++;
      }
    }
    this.nextUnejectAt = nextUneject;
    this.stats.ejectionsActive.set(ejectedCount);
    this.stats.membershipTotal.set(this.hosts.size);
    this.stats.membershipHealthy.set(healthyCount);
    const levels = [...byPriority.keys()].sort((a, b) => a - b);
    let chosen: UpstreamHost[] = [];
    for (const p of levels) {
      const level = byPriority.get(p);
      if (!level || level.available.length === 0) continue;
      const healthyPct = (100 * level.available.length) / level.all.length;
      chosen = healthyPct < this.config.panicThreshold ? level.all : level.available;
      break;
    }
    if (chosen.length === 0 && this.config.panicThreshold > 0 && levels.length > 0) {
      // Every host is out: Envoy's panic mode routes to all of them rather than failing.
      chosen = byPriority.get(levels[0] as number)?.all ?? [];
    }
    this.lb = createLoadBalancer(this.config, chosen);
  }

  /** Chooses a host for a request; ORIGINAL_DST clusters use the hint instead of the load balancer. */
  pickHost(hash: number | undefined, original: OriginalDestinationHint | undefined): UpstreamHost | undefined {
    if (this.config.type === 'ORIGINAL_DST') {
      if (!original) return undefined;
      const key = hostKey({ address: original.address, port: original.port, pipe: undefined });
      let h = this.hosts.get(key);
      if (!h) {
        if (this.hosts.size >= MAX_ORIGINAL_DST_HOSTS) this.hosts.clear();
        h = new UpstreamHost({ address: original.address, port: original.port, pipe: undefined, weight: 1, priority: 0, locality: '', healthy: true, socketMatch: {} });
        this.hosts.set(key, h);
        this.stats.membershipTotal.set(this.hosts.size);
      }
      return h;
    }
    if (this.nextUnejectAt <= Date.now()) this.rebuild();
    return this.lb.pick(hash);
  }

  /** The transport for a host: the first transport_socket_matches entry whose labels the endpoint carries. */
  tlsFor(host: UpstreamHost): TlsClientConfig | undefined {
    const md = host.spec.socketMatch;
    for (const m of this.config.tlsMatches) {
      let ok = true;
      for (const k in m.match) {
        if (md[k] !== m.match[k]) {
          ok = false;
          break;
        }
      }
      if (ok) return m.tls;
    }
    return undefined;
  }

  /** Reserves a request slot, or false on overflow (circuit breaker open). */
  tryStartRequest(http2: boolean): boolean {
    const l = this.config.limits;
    const capacity = http2 ? l.maxRequests : Math.min(l.maxRequests, l.maxConnections + l.maxPendingRequests);
    if (this.activeRequests >= capacity) {
      this.stats.rqPendingOverflow.inc();
      this.stats.rqOpen.set(1);
      return false;
    }
    this.activeRequests++;
    this.stats.rqActive.inc();
    return true;
  }

  /** Releases a slot taken by tryStartRequest. */
  endRequest(): void {
    this.activeRequests--;
    this.stats.rqActive.dec();
    if (this.stats.rqOpen.value !== 0) this.stats.rqOpen.set(0);
  }

  /** Reserves a retry, or false when max_retries are already in flight. */
  tryStartRetry(): boolean {
    if (this.activeRetries >= this.config.limits.maxRetries) {
      this.stats.rqRetryOverflow.inc();
      return false;
    }
    this.activeRetries++;
    this.stats.rqRetry.inc();
    return true;
  }

  /** Releases a retry slot. */
  endRetry(): void {
    this.activeRetries--;
  }

  /** Feeds one attempt's outcome to outlier detection. */
  recordOutcome(host: UpstreamHost, outcome: AttemptOutcome): void {
    const od = this.config.outlier;
    const isGateway = outcome === 'connect-failure' || outcome === 'reset' || outcome === 'timeout' || outcome === 502 || outcome === 503 || outcome === 504;
    const is5xx = isGateway || (typeof outcome === 'number' && outcome >= 500);
    if (!is5xx) {
      host.successTotal++;
      host.consecutive5xx = 0;
      host.consecutiveGatewayFailure = 0;
      return;
    }
    host.errorTotal++;
    host.consecutive5xx++;
    if (isGateway) host.consecutiveGatewayFailure++;
    if (!od || host.ejected || this.config.type === 'ORIGINAL_DST') return;
    if (host.consecutive5xx >= od.consecutive5xx && Math.random() * 100 < od.enforcing5xx) {
      this.eject(host, 'consecutive_5xx');
    } else if (isGateway && host.consecutiveGatewayFailure >= od.consecutiveGatewayFailure && Math.random() * 100 < od.enforcingGatewayFailure) {
      this.eject(host, 'consecutive_gateway_failure');
    }
  }

  private eject(host: UpstreamHost, reason: 'consecutive_5xx' | 'consecutive_gateway_failure'): void {
    const od = this.config.outlier;
    if (!od) return;
    let ejected = 0;
    for (const h of this.hosts.values()) if (h.ejected) ejected++;
    // max_ejection_percent caps ejections, but Envoy always allows at least one.
    if (ejected > 0 && ((ejected + 1) * 100) / this.hosts.size > od.maxEjectionPercent) return;
    host.ejected = true;
    host.ejectionCount++;
    host.ejectedUntil = Date.now() + Math.min(od.baseEjectionMs * host.ejectionCount, Math.max(od.baseEjectionMs, 300_000));
    host.consecutive5xx = 0;
    host.consecutiveGatewayFailure = 0;
    this.stats.ejectionsEnforcedTotal.inc();
    (reason === 'consecutive_5xx' ? this.stats.ejectionsConsecutive5xx : this.stats.ejectionsGatewayFailure).inc();
    this.log.info({ cluster: this.config.name, host: host.key, reason, until: new Date(host.ejectedUntil).toISOString() }, 'outlier detection: host ejected');
    this.rebuild();
  }

  /** Stops timers and retires pools (in-flight requests complete). */
  close(): void {
    this.closed = true;
    if (this.dnsTimer) clearInterval(this.dnsTimer);
    this.pool.close();
  }
}
