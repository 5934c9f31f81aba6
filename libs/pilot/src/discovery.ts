// istiod's discovery service: source objects → (debounced) immutable snapshot → per-proxy generated config → ADS.
// The snapshot is shared by every proxy; per-proxy generation runs once per push version and is reused across types.
import type { Logger } from '@mesh/telemetry';
import type { Change, ConfigSource } from '@mesh/kube';
import { buildSnapshot, parseProxy, type MeshConfigInput, type MeshSnapshot, type Proxy } from '@mesh/model';
import { generate, generateWithOutbound, listenersReadVirtualServices, outboundGroupKey, type GeneratedConfig } from '@mesh/translate';
import { AdsServer, TypeUrl, type AdsConnectionInfo, type AdsProvider, type EnvoyJson } from '@mesh/xds';
import { intake, type RejectedConfig } from './config-intake.ts';
import { Debouncer } from './debounce.ts';
import { OutboundGroups } from './outbound-groups.ts';
import { affectsXds, clustersUnaffected, endpointKinds, pushTypesFor } from './push-relevance.ts';
import { ResourceInterner } from './resource-interning.ts';
import type { PilotMetrics } from './metrics.ts';

export interface DiscoveryOptions {
  source: ConfigSource;
  logger: Logger;
  metrics: PilotMetrics;
  istioNamespace?: string;
  /** Mesh config from a file; the istio ConfigMap overrides it when present. */
  meshConfig?: MeshConfigInput;
  quietMs?: number;
  maxMs?: number;
  controlPlaneId?: string;
}

interface PushRequest {
  changes: Change[];
  firstAt: number;
}

interface ProxyState {
  proxy: Proxy;
  version: number;
  config: GeneratedConfig;
}

export class DiscoveryService implements AdsProvider {
  readonly ads: AdsServer;
  private snapshotValue: MeshSnapshot;
  private snapshotVersion = 0;
  private rejectedValue: RejectedConfig[] = [];
  private readonly proxies = new Map<string, ProxyState>();
  /** Identical resources of different proxies share one object (memory, and one encoding per distinct resource). */
  private readonly interner = new ResourceInterner();
  /** Sidecars with the same outbound group key share one generated outbound part per snapshot version. */
  private readonly groups = new OutboundGroups((version, outbound) => this.interner.internOutbound(version, outbound));
  private readonly debouncer: Debouncer<PushRequest>;
  private readonly opts: DiscoveryOptions;
  private syncedValue = false;
  readonly lastPush: { at?: Date; reason?: string; durationMs?: number } = {};

  constructor(opts: DiscoveryOptions) {
    this.opts = opts;
    this.snapshotValue = buildSnapshot([]);
    this.ads = new AdsServer({ provider: this, logger: opts.logger.child({ scope: 'ads' }), ...(opts.controlPlaneId ? { controlPlaneId: opts.controlPlaneId } : {}) });
    this.debouncer = new Debouncer<PushRequest>(
      (a, b) => ({ changes: [...a.changes, ...b.changes], firstAt: Math.min(a.firstAt, b.firstAt) }),
      (req, stats) => this.push(req, stats),
      { quietMs: opts.quietMs ?? 100, maxMs: opts.maxMs ?? 10_000 },
    );
    const m = opts.metrics;
    this.ads.on('connect', () => m.xdsClients.inc({ version: 'mesh' }));
    this.ads.on('disconnect', (c) => {
      m.xdsClients.dec({ version: 'mesh' });
      this.proxies.delete(c.id);
    });
    this.ads.on('response', (e) => m.xdsPushes.inc({ type: shortType(e.typeUrl) }));
    this.ads.on('nack', (e) => {
      m.xdsRejects.inc({ type: shortType(e.typeUrl) });
      opts.logger.warn({ proxy: e.connection.nodeId, type: e.typeUrl, error: e.message }, 'ads: proxy rejected config (NACK)');
    });
  }

  get snapshot(): MeshSnapshot {
    return this.snapshotValue;
  }

  get rejected(): readonly RejectedConfig[] {
    return this.rejectedValue;
  }

  /** True once the source delivered its initial state and the first snapshot is built. */
  get synced(): boolean {
    return this.syncedValue;
  }

  /** Loads the source, builds the first snapshot and starts following changes. */
  async start(): Promise<void> {
    this.opts.source.onChange((changes) => {
      // Changes that cannot alter any proxy's config (e.g. istio-ca-root-cert ConfigMaps) must not hold pushes back.
      const relevant = changes.filter((c) => affectsXds(c));
      if (relevant.length > 0) this.debouncer.enqueue({ changes: relevant, firstAt: Date.now() });
    });
    await this.opts.source.start();
    this.rebuild();
    this.syncedValue = true;
  }

  async stop(): Promise<void> {
    this.debouncer.close();
    await this.opts.source.stop();
    await this.ads.close();
  }

  /** The config this istiod would send to a connected proxy (by `<pod>.<ns>` or full node id). */
  configFor(proxyId: string): GeneratedConfig | undefined {
    for (const [connId, state] of this.proxies) {
      if (state.proxy.id === proxyId || connId.startsWith(proxyId)) return this.ensureFresh(connId, state.proxy);
    }
    return undefined;
  }

  /** Every connected proxy's parsed model, by connection id. */
  connectedProxies(): ReadonlyMap<string, Proxy> {
    return new Map([...this.proxies].map(([k, v]) => [k, v.proxy]));
  }

  generate(conn: AdsConnectionInfo, typeUrl: string, names: readonly string[]): ReadonlyMap<string, EnvoyJson> {
    let state = this.proxies.get(conn.id);
    if (!state) {
      const node = (conn.node ?? {}) as { metadata?: Record<string, unknown>; locality?: { region?: string; zone?: string; sub_zone?: string } };
      const proxy = parseProxy(conn.nodeId, node.metadata ?? {}, node.locality);
      state = { proxy, version: -1, config: emptyConfig() };
      this.proxies.set(conn.id, state);
    }
    const config = this.ensureFresh(conn.id, state.proxy);
    const all = pick(config, typeUrl);
    // A subscription to everything (e.g. EDS for every cluster) gets the shared map itself, not a copy per proxy.
    if (names.length === 0) return all;
    const wanted = new Set(names);
    if (wanted.size >= all.size && [...all.keys()].every((n) => wanted.has(n))) return all;
    const out = new Map<string, EnvoyJson>();
    for (const n of wanted) {
      const r = all.get(n);
      if (r) out.set(n, r);
    }
    return out;
  }

  private ensureFresh(connId: string, proxy: Proxy): GeneratedConfig {
    const state = this.proxies.get(connId);
    if (state && state.version === this.snapshotVersion) return state.config;
    const started = performance.now();
    const key = outboundGroupKey(this.snapshotValue, proxy);
    // A grouped sidecar's config is the group's interned outbound part plus a few inbound resources of its own:
    // interning its maps again would only copy thousands of entries per proxy.
    const config =
      key === undefined
        ? this.interner.intern(this.snapshotVersion, generate(this.snapshotValue, proxy))
        : generateWithOutbound(this.snapshotValue, proxy, this.groups.get(this.snapshotValue, proxy, key));
    if (config.errors.length > 0 && state?.config.errors.join() !== config.errors.join()) {
      this.opts.logger.warn({ proxy: proxy.id, errors: config.errors }, 'generate: invalid config left out');
    }
    this.opts.metrics.pushTime.observe({ type: 'all' }, (performance.now() - started) / 1000);
    this.proxies.set(connId, { proxy, version: this.snapshotVersion, config });
    return config;
  }

  /** Rebuilds the snapshot from the source; `changes` (undefined = unknown, e.g. the initial load) lets unchanged parts be reused. */
  private rebuild(changes?: readonly Change[]): void {
    const ns = this.opts.istioNamespace ?? 'istio-system';
    const { resources, rejected, meshConfig } = intake(this.opts.source.list(), { istioNamespace: ns });
    for (const r of rejected) {
      if (!this.rejectedValue.some((p) => p.key === r.key && p.errors.join() === r.errors.join())) {
        this.opts.logger.warn({ resource: r.key, errors: r.errors }, 'config: invalid, skipped');
      }
    }
    this.rejectedValue = rejected;
    const previousErrors = new Set(this.snapshotValue.errors);
    const previous = this.snapshotValue;
    this.snapshotValue = buildSnapshot(resources, { ...this.opts.meshConfig, ...meshConfig });
    this.snapshotVersion++;
    const clusters = changes !== undefined && clustersUnaffected(changes);
    // Listeners read VirtualServices only through TCP/TLS routes: with none before or after, they are unchanged too.
    const vsChanged = changes?.some((c) => c.object.kind === 'VirtualService') ?? true;
    const listeners = clusters && (!vsChanged || (!listenersReadVirtualServices(previous) && !listenersReadVirtualServices(this.snapshotValue)));
    this.groups.advance(this.snapshotVersion, { clusters, listeners });
    for (const e of this.snapshotValue.errors) if (!previousErrors.has(e)) this.opts.logger.warn({ error: e }, 'config: object not usable, skipped');
    const m = this.opts.metrics;
    m.services.set(this.snapshotValue.services.length);
    m.virtualServices.set(resources.filter((r) => r.kind === 'VirtualService').length);
    m.rejectedConfigs.set(rejected.length);
  }

  private async push(req: PushRequest, stats: { events: number; quietMs: number; sinceFirstMs: number }): Promise<void> {
    const started = Date.now();
    const endpointOnly = req.changes.every((c) => endpointKinds.has(c.object.kind));
    const reason = endpointOnly ? 'endpoint' : 'config';
    this.opts.metrics.pushTriggers.inc({ type: reason });
    this.opts.metrics.debounceTime.observe(stats.sinceFirstMs / 1000);
    this.opts.logger.info(
      { events: stats.events, configs: [...new Set(req.changes.map((c) => c.key))].slice(0, 10), quietMs: stats.quietMs, sinceFirstMs: stats.sinceFirstMs, endpointOnly },
      'push: debounce stable',
    );
    this.rebuild(req.changes);
    const types = pushTypesFor(req.changes);
    this.ads.push(types === undefined ? {} : { types });
    await this.ads.idle();
    this.opts.metrics.convergence.observe((Date.now() - req.firstAt) / 1000);
    Object.assign(this.lastPush, { at: new Date(), reason, durationMs: Date.now() - started });
  }
}

function emptyConfig(): GeneratedConfig {
  return { clusters: new Map(), listeners: new Map(), routes: new Map(), endpoints: new Map(), secrets: new Map(), errors: [] };
}

function pick(config: GeneratedConfig, typeUrl: string): ReadonlyMap<string, EnvoyJson> {
  switch (typeUrl) {
    case TypeUrl.Cluster:
      return config.clusters;
    case TypeUrl.ClusterLoadAssignment:
      return config.endpoints;
    case TypeUrl.Listener:
      return config.listeners;
    case TypeUrl.RouteConfiguration:
      return config.routes;
    case TypeUrl.Secret:
      return config.secrets;
    default:
      return new Map();
  }
}

function shortType(typeUrl: string): string {
  const map: Record<string, string> = {
    [TypeUrl.Cluster]: 'cds',
    [TypeUrl.ClusterLoadAssignment]: 'eds',
    [TypeUrl.Listener]: 'lds',
    [TypeUrl.RouteConfiguration]: 'rds',
    [TypeUrl.Secret]: 'sds',
  };
  return map[typeUrl] ?? 'other';
}
