// All SDS config sources of a proxy: given the current clusters and listeners it keeps one SdsClient per distinct
// api_config_source, each subscribed to exactly the names referenced for it, and merges their secrets into the
// map the data plane compiles TLS contexts from.
//
// Usage (mesh-proxy):
//   const sds = new SdsSecretSources({ node, validate: checkSecret, logger });
//   sds.on('update', () => reapply(sds.secrets()));
//   sds.update(allClusters, allListeners);   // after every accepted config
//   sds.awaiting();                           // names still in their initial fetch: the proxy is not ready yet
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { silentLogger, type EnvoyJson, type XdsLogger } from '@mesh/xds';
import { secretConfigs } from './resource-refs.ts';
import { SdsClient, type SdsClientOptions } from './sds-client.ts';
import { clusterTarget, sdsSourceRefs, type SdsSource } from './sds-sources.ts';
import type { XdsClientNackEvent } from './xds-client.ts';

/** Options shared by every source's stream. */
export interface SdsSecretSourcesOptions {
  readonly node: EnvoyJson;
  readonly validate?: (secret: EnvoyJson) => string[];
  readonly backoff?: SdsClientOptions['backoff'];
  readonly credentials?: grpc.ChannelCredentials;
  readonly logger?: XdsLogger;
}

/** Events of the sources. */
export interface SdsSecretSourcesEvents {
  /** Secrets changed, or an initial fetch finished or timed out. */
  update: [];
  nack: [XdsClientNackEvent & { target: string }];
}

/** Per-source state for the admin config_dump and tests. */
export interface SdsSourceStatus {
  readonly source: string;
  readonly target: string | undefined;
  readonly names: readonly string[];
  readonly acceptedVersion: string | undefined;
  readonly lastNack: XdsClientNackEvent | undefined;
  readonly connected: boolean;
}

interface ActiveSource {
  readonly source: SdsSource;
  /** Undefined when the source's cluster cannot be resolved (its names stay missing). */
  readonly client: SdsClient | undefined;
  readonly target: string | undefined;
  names: Set<string>;
}

/** The SDS streams of one proxy. */
export class SdsSecretSources extends EventEmitter<SdsSecretSourcesEvents> {
  private readonly options: SdsSecretSourcesOptions;
  private readonly logger: XdsLogger;
  private readonly active = new Map<string, ActiveSource>();
  private reportedErrors = '';
  private disposed = false;

  constructor(options: SdsSecretSourcesOptions) {
    super();
    this.options = options;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Re-derives the referenced secrets from all clusters (by name, also used to resolve envoy_grpc clusters) and
   * listeners; opens, re-subscribes or closes streams accordingly.
   */
  update(clusters: ReadonlyMap<string, EnvoyJson>, listeners: Iterable<EnvoyJson>): void {
    if (this.disposed) return;
    const refs = sdsSourceRefs(secretConfigs(clusters.values(), listeners));
    const errors = refs.errors.join('; ');
    if (errors !== '' && errors !== this.reportedErrors) this.logger.warn({ errors: refs.errors }, 'sds: secret configs that cannot be fetched');
    this.reportedErrors = errors;
    for (const [key, entry] of this.active) {
      const wanted = refs.sources.get(key);
      const target = wanted === undefined ? undefined : this.resolve(wanted.source, clusters);
      if (wanted === undefined || target !== entry.target) {
        entry.client?.dispose();
        this.active.delete(key);
        if (entry.client !== undefined && entry.client.current().size > 0) queueMicrotask(() => this.emitUpdate());
      }
    }
    for (const [key, { source, names }] of refs.sources) {
      let entry = this.active.get(key);
      if (entry === undefined) {
        entry = this.open(source, clusters);
        this.active.set(key, entry);
      }
      entry.names = names;
      entry.client?.setNames(names);
    }
  }

  /** Secrets of every source by name (a name served by two sources: the first source's copy). */
  secrets(): Map<string, EnvoyJson> {
    const out = new Map<string, EnvoyJson>();
    for (const { client } of this.active.values()) {
      for (const [name, secret] of client?.current() ?? []) if (!out.has(name)) out.set(name, secret);
    }
    return out;
  }

  /** Referenced names still within their initial fetch (or whose source cannot be reached at all). */
  awaiting(): string[] {
    const out: string[] = [];
    for (const entry of this.active.values()) {
      if (entry.client === undefined) out.push(...entry.names);
      else out.push(...entry.client.awaiting());
    }
    return out.sort();
  }

  /** State of every source. */
  status(): SdsSourceStatus[] {
    return [...this.active.values()].map((e) => {
      const s = e.client?.status();
      return { source: e.source.key, target: e.target, names: [...e.names].sort(), acceptedVersion: s?.acceptedVersion, lastNack: s?.lastNack, connected: s?.connected ?? false };
    });
  }

  /** Closes every stream. */
  dispose(): void {
    this.disposed = true;
    for (const e of this.active.values()) e.client?.dispose();
    this.active.clear();
    this.removeAllListeners();
  }

  private resolve(source: SdsSource, clusters: ReadonlyMap<string, EnvoyJson>): string | undefined {
    return 'targetUri' in source.service ? source.service.targetUri : clusterTarget(clusters.get(source.service.clusterName));
  }

  private open(source: SdsSource, clusters: ReadonlyMap<string, EnvoyJson>): ActiveSource {
    const target = this.resolve(source, clusters);
    if (target === undefined) {
      const cluster = 'clusterName' in source.service ? source.service.clusterName : '';
      this.logger.warn({ cluster }, 'sds: the SDS cluster is not defined or has no endpoint; its secrets stay missing');
      return { source, client: undefined, target, names: new Set() };
    }
    const client = new SdsClient({
      target,
      node: this.options.node,
      apiType: source.apiType,
      setNodeOnFirstMessageOnly: source.setNodeOnFirstMessageOnly,
      initialFetchTimeoutMs: source.initialFetchTimeoutMs,
      logger: this.logger,
      ...(this.options.validate ? { validate: this.options.validate } : {}),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
    });
    client.on('update', () => this.emitUpdate());
    client.on('nack', (n) => this.emit('nack', { ...n, target }));
    client.start();
    this.logger.info({ target }, 'sds: opened secret discovery stream');
    return { source, client, target, names: new Set() };
  }

  private emitUpdate(): void {
    if (!this.disposed) this.emit('update');
  }
}
