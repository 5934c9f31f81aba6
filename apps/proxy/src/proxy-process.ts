// Wiring of one proxy process: bootstrap → runtime (static resources) → admin → ADS client and SDS config-source
// streams → runtime updates. Every applied config is static ∪ SDS secrets ∪ the last ADS snapshot.
import type { Logger } from 'pino';
import { AdminServer, checkSecret, DataplaneRuntime, loadBootstrap, mergeSnapshots, type Bootstrap, type ServerState } from '@mesh/dataplane';
import { createLogger, normalizeLevel } from '@mesh/telemetry';
import { emptySnapshot, type EnvoyJson, type XdsSnapshot } from '@mesh/xds';
import { SdsSecretSources, XdsClient } from '@mesh/xds-client';
import type { ProxyOptions } from './cli-options.ts';
import { WorkerPool } from './worker-pool.ts';

/** A running proxy. */
export class ProxyProcess {
  readonly options: ProxyOptions;
  readonly log: Logger;
  readonly bootstrap: Bootstrap;
  readonly runtime: DataplaneRuntime;
  private admin: AdminServer | undefined;
  private workers: WorkerPool | undefined;
  private xds: XdsClient | undefined;
  private sds: SdsSecretSources | undefined;
  /** The last snapshot ADS delivered (undefined until the first one, or without ADS). */
  private adsSnapshot: XdsSnapshot | undefined;
  private applyRunning = false;
  private applyAgain = false;
  private state: ServerState = 'PRE_INITIALIZING';
  private stopping = false;

  constructor(options: ProxyOptions) {
    this.options = options;
    this.log = createLogger('mesh-proxy', options.logLevel);
    this.bootstrap = loadBootstrap(options);
    this.runtime = new DataplaneRuntime({ logger: this.log, reusePort: options.concurrency > 1 });
  }

  /** Applies static resources, opens admin and starts ADS. Rejects when the bootstrap is invalid. */
  async start(): Promise<void> {
    const r = await this.runtime.apply(this.bootstrap.staticSnapshot);
    if (!r.ok) throw new Error(`invalid bootstrap:\n  ${r.errors.join('\n  ')}`);
    this.runtime.stats.gauge('server.concurrency').set(this.options.concurrency);
    if (this.options.concurrency > 1) {
      // The main thread serves too; N-1 workers bind the same ports with SO_REUSEPORT.
      this.workers = new WorkerPool(this.options.concurrency - 1, this.runtime.stats, this.log, this.options.logLevel);
      this.workers.apply(this.bootstrap.staticSnapshot);
    }
    const b = this.bootstrap;
    if (b.admin) {
      this.admin = new AdminServer({
        runtime: this.runtime,
        bootstrap: b.raw,
        node: { id: b.node.id, cluster: b.node.cluster, metadata: b.node.metadata, ...(b.node.locality ? { locality: b.node.locality } : {}) },
        staticNames: { listeners: new Set(b.staticSnapshot.listeners.keys()), clusters: new Set(b.staticSnapshot.clusters.keys()), secrets: new Set(b.staticSnapshot.secrets.keys()) },
        commandLine: { concurrency: this.options.concurrency, log_level: this.options.logLevel, drain_time: `${this.options.drainTimeS}s`, parent_shutdown_time: `${this.options.parentShutdownTimeS}s`, service_node: b.node.id, service_cluster: b.node.cluster },
        log: this.log,
        state: () => this.state,
        setLogLevel: (l) => (this.log.level = normalizeLevel(l)),
        logLevel: () => this.log.level,
        drain: (inbound) => this.drain(inbound),
        quit: () => void this.stop(0),
      });
      const port = await this.admin.listen(b.admin.address, b.admin.port);
      this.log.info({ address: b.admin.address, port }, 'admin listening');
    }
    this.startSds(b);
    if (b.ads) this.startAds(b);
    else this.state = 'INITIALIZING';
    this.updateState();
    this.log.info({ node: b.node.id, listeners: b.staticSnapshot.listeners.size, clusters: b.staticSnapshot.clusters.size }, 'proxy started');
  }

  private nodeJson(b: Bootstrap): EnvoyJson {
    return { id: b.node.id, cluster: b.node.cluster, metadata: b.node.metadata, ...(b.node.locality ? { locality: b.node.locality } : {}), user_agent_name: 'envoy', user_agent_version: '1.36.0' };
  }

  /** Secrets referenced with their own sds_config.api_config_source (Istio: the agent's socket) come from here. */
  private startSds(b: Bootstrap): void {
    const sds = new SdsSecretSources({ node: this.nodeJson(b), validate: checkSecret, logger: this.log });
    sds.on('update', () => this.reapply());
    sds.on('nack', (n) => this.log.warn({ target: n.target, error: n.message }, 'SDS NACK'));
    this.sds = sds;
    sds.update(b.staticSnapshot.clusters, b.staticSnapshot.listeners.values());
  }

  /** Static resources, then SDS secrets, then what ADS delivered (static names win, as in Envoy). */
  private compose(ads: XdsSnapshot | undefined): XdsSnapshot {
    const merged = mergeSnapshots(this.bootstrap.staticSnapshot, ads ?? emptySnapshot());
    const sdsSecrets = this.sds?.secrets();
    if (sdsSecrets === undefined || sdsSecrets.size === 0) return merged;
    const secrets = new Map(merged.secrets);
    for (const [name, secret] of sdsSecrets) if (!this.bootstrap.staticSnapshot.secrets.has(name)) secrets.set(name, secret);
    return { ...merged, secrets };
  }

  /** Applies the composed config; calls that arrive while an apply runs are folded into one more apply. */
  private reapply(): void {
    if (this.stopping) return;
    if (this.applyRunning) {
      this.applyAgain = true;
      return;
    }
    this.applyRunning = true;
    const merged = this.compose(this.adsSnapshot);
    void this.runtime.apply(merged).then((r) => {
      if (!r.ok) this.log.warn({ errors: r.errors }, 'config rejected at apply');
      else this.workers?.apply(merged);
      this.applyRunning = false;
      this.updateState();
      if (this.applyAgain) {
        this.applyAgain = false;
        this.reapply();
      }
    });
  }

  /** LIVE once ADS (if configured) delivered a config and no referenced secret is still in its initial fetch. */
  private updateState(): void {
    if (this.state !== 'INITIALIZING') return;
    if (this.bootstrap.ads && this.adsSnapshot === undefined) return;
    const awaiting = this.sds?.awaiting() ?? [];
    if (awaiting.length > 0) {
      this.log.debug({ secrets: awaiting }, 'waiting for SDS secrets before going live');
      return;
    }
    this.state = 'LIVE';
    this.log.info('proxy live');
  }

  private startAds(b: Bootstrap): void {
    const ads = b.ads;
    if (!ads) return;
    this.state = 'INITIALIZING';
    const target = 'pipe' in ads.target ? `unix:${ads.target.pipe}` : `${ads.target.host}:${ads.target.port}`;
    const client = new XdsClient({
      target,
      node: this.nodeJson(b),
      apiType: ads.apiType,
      validate: (s: XdsSnapshot) => {
        const r = this.runtime.validate(this.compose(s));
        return r.ok ? [] : r.errors;
      },
    });
    client.on('snapshot', (s) => {
      this.adsSnapshot = s;
      const merged = mergeSnapshots(b.staticSnapshot, s);
      this.sds?.update(merged.clusters, merged.listeners.values());
      this.reapply();
    });
    client.on('nack', (n) => this.log.warn({ type: n.typeUrl, error: n.message }, 'NACK'));
    client.on('disconnected', (why) => this.log.info({ why }, 'ADS stream disconnected'));
    client.start();
    this.xds = client;
  }

  private drain(inboundOnly: boolean): void {
    if (!inboundOnly) this.state = 'DRAINING';
    this.runtime.drainListeners(inboundOnly);
    this.workers?.drain(inboundOnly);
  }

  /** Stops everything and exits the process with `code`. */
  async stop(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.state = 'DRAINING';
    await this.xds?.dispose().catch(() => undefined);
    this.sds?.dispose();
    await this.admin?.close();
    await this.workers?.stop();
    await this.runtime.close();
    this.log.info('proxy stopped');
    process.exit(code);
  }
}
