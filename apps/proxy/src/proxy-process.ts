// Wiring of one proxy process: bootstrap → runtime (static resources) → admin → ADS client → runtime updates.
import type { Logger } from 'pino';
import { AdminServer, DataplaneRuntime, loadBootstrap, mergeSnapshots, type Bootstrap, type ServerState } from '@mesh/dataplane';
import { createLogger, normalizeLevel } from '@mesh/telemetry';
import type { XdsSnapshot } from '@mesh/xds';
import { XdsClient } from '@mesh/xds-client';
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
    if (b.ads) this.startAds(b);
    else this.state = 'LIVE';
    this.log.info({ node: b.node.id, listeners: b.staticSnapshot.listeners.size, clusters: b.staticSnapshot.clusters.size }, 'proxy started');
  }

  private startAds(b: Bootstrap): void {
    const ads = b.ads;
    if (!ads) return;
    this.state = 'INITIALIZING';
    const target = 'pipe' in ads.target ? `unix:${ads.target.pipe}` : `${ads.target.host}:${ads.target.port}`;
    const client = new XdsClient({
      target,
      node: { id: b.node.id, cluster: b.node.cluster, metadata: b.node.metadata, ...(b.node.locality ? { locality: b.node.locality } : {}), user_agent_name: 'envoy', user_agent_version: '1.36.0' },
      apiType: ads.apiType,
      validate: (s: XdsSnapshot) => {
        const r = this.runtime.validate(mergeSnapshots(b.staticSnapshot, s));
        return r.ok ? [] : r.errors;
      },
    });
    client.on('snapshot', (s) => {
      const merged = mergeSnapshots(b.staticSnapshot, s);
      void this.runtime.apply(merged).then((r) => {
        if (!r.ok) {
          this.log.warn({ errors: r.errors }, 'ADS snapshot rejected at apply');
          return;
        }
        this.workers?.apply(merged);
        if (this.state === 'INITIALIZING') this.state = 'LIVE';
      });
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
    await this.admin?.close();
    await this.workers?.stop();
    await this.runtime.close();
    this.log.info('proxy stopped');
    process.exit(code);
  }
}
