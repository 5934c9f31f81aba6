// The live data plane: listeners bound to sockets, cluster state, and the compiled config the hot path reads.
// apply() compiles a snapshot and swaps it in atomically: new connections and requests see the new config,
// in-flight ones finish on the objects they started with; clusters keep pools and outlier state by name.
import net from 'node:net';
import { hostname as osHostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { emptySnapshot, type ApplyResult, type XdsSnapshot } from '@mesh/xds';
import type { Logger } from 'pino';
import { createLogger } from '@mesh/telemetry';
import { ClusterRuntime } from '../cluster/cluster-runtime.ts';
import type { CompiledCluster } from '../cluster/cluster-types.ts';
import { HttpRequestHandler } from '../http/http-handler.ts';
import { ConnectionHandler, type OriginalDstLookup } from '../listener/connection-handler.ts';
import type { CompiledListener } from '../listener/listener-types.ts';
import type { CompiledRouteConfig } from '../router/route-types.ts';
import { StatsStore } from '../stats/stats-store.ts';
import { compile, validate, type CompiledConfig } from './compile.ts';
import { kernelOriginalDst } from './original-dst.ts';

/** Options of a runtime; everything has a production default. */
export interface RuntimeOptions {
  readonly logger?: Logger;
  readonly stats?: StatsStore;
  /** SO_ORIGINAL_DST lookup; tests on loopback inject their own. */
  readonly originalDst?: OriginalDstLookup;
  readonly hostname?: string;
  /** Bind listeners with SO_REUSEPORT (several workers sharing ports). */
  readonly reusePort?: boolean;
  /** Worker index for per-worker listener stats (listener.<addr>.worker_<n>.*). */
  readonly workerId?: number;
}

interface BoundListener {
  readonly name: string;
  readonly bindKey: string;
  readonly server: net.Server;
}

function bindKeyOf(l: CompiledListener): string {
  return l.pipe ?? `${l.address}:${l.port}`;
}

function hostsKey(c: CompiledCluster): string {
  return JSON.stringify(c.hosts);
}

/** The data plane of one proxy process (or worker). */
export class DataplaneRuntime {
  readonly stats: StatsStore;
  readonly log: Logger;
  readonly hostname: string;
  readonly originalDst: OriginalDstLookup;
  readonly http: HttpRequestHandler;
  readonly workerId: number;
  private config: CompiledConfig;
  private readonly clusters = new Map<string, ClusterRuntime>();
  private readonly bound = new Map<string, BoundListener>();
  private byAddress = new Map<string, CompiledListener>();
  private readonly connections: ConnectionHandler;
  private readonly reusePort: boolean;
  private applying: Promise<unknown> = Promise.resolve();
  /** Per resource: when it last changed (config_dump last_updated). */
  readonly lastUpdated = new Map<string, { json: string; at: string }>();
  private draining = false;

  constructor(opts: RuntimeOptions = {}) {
    this.stats = opts.stats ?? new StatsStore();
    this.log = opts.logger ?? createLogger('dataplane');
    this.hostname = opts.hostname ?? osHostname();
    this.originalDst = opts.originalDst ?? kernelOriginalDst(this.log);
    this.reusePort = opts.reusePort ?? false;
    this.workerId = opts.workerId ?? 0;
    this.http = new HttpRequestHandler(this);
    this.connections = new ConnectionHandler(this);
    const empty = compile(emptySnapshot());
    if (!empty.ok) throw new Error('empty snapshot does not compile');
    this.config = empty.config;
  }

  /** The config the hot path currently reads. */
  current(): CompiledConfig {
    return this.config;
  }

  /** Cluster runtime by name (router, tcp_proxy, admin). */
  cluster(name: string): ClusterRuntime | undefined {
    return this.clusters.get(name);
  }

  /** All cluster runtimes (admin /clusters). */
  allClusters(): ClusterRuntime[] {
    return [...this.clusters.values()];
  }

  /** True after drainListeners() (all) or close(). */
  isDraining(): boolean {
    return this.draining;
  }

  /** The compiled listener currently configured under `name`. */
  currentListener(name: string): CompiledListener | undefined {
    return this.config.listeners.get(name);
  }

  /** RDS lookup for HCMs. */
  routeConfig(name: string): CompiledRouteConfig | undefined {
    return this.config.routes.get(name);
  }

  /** The listener a use_original_dst listener hands a connection to: exact ip:port, else the wildcard on the port. */
  listenerForAddress(address: string, port: number): CompiledListener | undefined {
    return this.byAddress.get(`${address}:${port}`) ?? this.byAddress.get(`0.0.0.0:${port}`) ?? this.byAddress.get(`:::${port}`) ?? this.byAddress.get(`::${port}`);
  }

  /** The bound address of a listener (tests bind port 0). */
  listenerAddress(name: string): net.AddressInfo | string | undefined {
    return this.bound.get(name)?.server.address() ?? undefined;
  }

  /** Checks a snapshot without applying it (NACK path). */
  validate(snapshot: XdsSnapshot): ApplyResult {
    return validate(snapshot);
  }

  /** Compiles and atomically applies a snapshot; on any error the previous config keeps serving. */
  apply(snapshot: XdsSnapshot): Promise<ApplyResult> {
    const run = this.applying.then(() => this.applyNow(snapshot));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(snapshot: XdsSnapshot): Promise<ApplyResult> {
    const r = compile(snapshot);
    if (r.ok) r.config = this.reuseUnchangedListeners(r.config);
    if (!r.ok) {
      this.stats.counter('cluster_manager.cds.update_rejected').inc();
      this.stats.counter('listener_manager.lds.update_rejected').inc();
      this.log.warn({ errors: r.errors }, 'config rejected; keeping the last good config');
      return { ok: false, errors: r.errors };
    }
    const next = r.config;
    for (const w of next.warnings) this.log.debug({ warning: w }, 'config warning');
    // 1. Bind what is new before anything changes, so a bind failure leaves the old config untouched.
    const fresh: BoundListener[] = [];
    const errors: string[] = [];
    for (const l of next.listeners.values()) {
      if (!l.bindToPort || this.draining) continue;
      const key = bindKeyOf(l);
      const existing = this.bound.get(l.name);
      if (existing && existing.bindKey === key) continue;
      try {
        fresh.push(await this.bind(l, key));
      } catch (e) {
        errors.push(`Listener "${l.name}": address: cannot bind ${key}: ${(e as Error).message}`);
      }
    }
    if (errors.length) {
      for (const b of fresh) b.server.close();
      this.stats.counter('listener_manager.lds.update_rejected').inc();
      return { ok: false, errors };
    }
    // 2. Clusters: update in place (pools and outlier state survive), create new ones.
    for (const c of next.clusters.values()) {
      const rt = this.clusters.get(c.name);
      if (!rt) this.clusters.set(c.name, new ClusterRuntime(c, this.stats, this.log));
      else if (rt.config.settingsKey !== c.settingsKey || hostsKey(rt.config) !== hostsKey(c)) rt.update(c);
      else rt.config = c;
    }
    // 3. Swap.
    const previous = this.config;
    this.config = next;
    const index = new Map<string, CompiledListener>();
    for (const l of next.listeners.values()) if (!l.pipe) index.set(`${l.address}:${l.port}`, l);
    this.byAddress = index;
    for (const b of fresh) {
      const old = this.bound.get(b.name);
      this.bound.set(b.name, b);
      old?.server.close();
    }
    // 4. Retire what disappeared; in-flight connections and requests complete on their own.
    for (const [name, b] of this.bound) {
      const l = next.listeners.get(name);
      if (!l || !l.bindToPort) {
        b.server.close();
        this.bound.delete(name);
      }
    }
    for (const [name, rt] of this.clusters) {
      if (!next.clusters.has(name)) {
        rt.close();
        this.clusters.delete(name);
      }
    }
    this.recordUpdates(previous, next);
    return { ok: true };
  }

  // Keeps the previous compiled object of listeners whose resource (and the secrets they may use) did not change,
  // so established connections are not treated as belonging to an outdated listener.
  private reuseUnchangedListeners(next: CompiledConfig): CompiledConfig {
    const prev = this.config;
    const secretsSame = isDeepStrictEqual(prev.snapshot.secrets, next.snapshot.secrets);
    if (!secretsSame) return next;
    const listeners = new Map<string, CompiledListener>();
    let reused = 0;
    for (const [name, l] of next.listeners) {
      const old = prev.listeners.get(name);
      if (old && isDeepStrictEqual(old.raw, l.raw)) {
        listeners.set(name, old);
        reused++;
      } else listeners.set(name, l);
    }
    return reused ? { ...next, listeners } : next;
  }

  private recordUpdates(prev: CompiledConfig, next: CompiledConfig): void {
    const now = new Date().toISOString();
    const track = (kind: string, m: ReadonlyMap<string, unknown>): boolean => {
      let changed = false;
      for (const [name, v] of m) {
        const json = JSON.stringify(v);
        const key = `${kind}/${name}`;
        if (this.lastUpdated.get(key)?.json !== json) {
          this.lastUpdated.set(key, { json, at: now });
          changed = true;
        }
      }
      return changed;
    };
    const s = next.snapshot;
    track('cluster', s.clusters);
    track('listener', s.listeners);
    const rds = track('route', s.routes);
    track('endpoint', s.endpoints);
    track('secret', s.secrets);
    this.stats.counter('cluster_manager.cds.update_success').inc();
    this.stats.counter('listener_manager.lds.update_success').inc();
    if (rds || next.routes.size) this.stats.counter('http.rds.update_success').inc();
    if (next.snapshot.endpoints.size || prev.snapshot.endpoints.size) this.stats.counter('cluster_manager.eds.update_success').inc();
    this.stats.gauge('cluster_manager.active_clusters').set(next.clusters.size);
    this.stats.gauge('listener_manager.total_listeners_active').set(next.listeners.size);
    this.stats.gauge('listener_manager.workers_started').set(1);
  }

  private bind(l: CompiledListener, key: string): Promise<BoundListener> {
    const name = l.name;
    const server = net.createServer({ noDelay: true }, (socket) => {
      const current = this.config.listeners.get(name);
      if (!current) {
        socket.destroy();
        return;
      }
      this.connections.accept(socket, current);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.removeListener('error', reject);
        server.on('error', (e) => this.log.error({ listener: name, err: e.message }, 'listener error'));
        resolve({ name, bindKey: key, server });
      };
      if (l.pipe !== undefined) server.listen(l.pipe, done);
      else server.listen({ host: l.address, port: l.port, reusePort: this.reusePort, ipv6Only: false }, done);
    });
  }

  /** Stops accepting on every listener (Envoy's /drain_listeners); established connections continue. */
  drainListeners(inboundOnly = false): void {
    for (const [name, b] of this.bound) {
      if (inboundOnly && !name.includes('inbound')) continue;
      b.server.close();
      this.bound.delete(name);
    }
    if (!inboundOnly) this.draining = true;
  }

  /** Closes listeners, pools and timers. */
  async close(): Promise<void> {
    this.draining = true;
    // Stop listening; established connections are not waited for (upgraded or idle ones could hold us forever).
    for (const b of this.bound.values()) b.server.close();
    this.bound.clear();
    for (const c of this.clusters.values()) c.close();
    this.clusters.clear();
    this.connections.close();
  }
}
