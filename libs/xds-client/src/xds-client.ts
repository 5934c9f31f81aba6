// An ADS client for the proxy: subscribes wildcard CDS and LDS, follows their references with EDS, RDS and SDS
// subscriptions, and emits a complete, validated XdsSnapshot. A response that fails decoding or validation is
// NACKed (error_detail names the resource and field) and the last good state is kept.
//
// Usage:
//   const client = new XdsClient({
//     target: 'unix:/etc/istio/proxy/XDS',          // or '127.0.0.1:15010'
//     node: { id: 'sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local', cluster: 'app.ns', metadata: {...} },
//     apiType: 'DELTA_GRPC', setNodeOnFirstMessageOnly: true,
//     validate: (snapshot) => dataplane.check(snapshot),  // [] when the config can be applied
//   });
//   client.on('snapshot', (snapshot) => dataplane.apply(snapshot));
//   client.start();
//   ...
//   await client.dispose();
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { shortTypeName, silentLogger, TypeUrl, type EnvoyJson, type XdsLogger, type XdsSnapshot } from '@mesh/xds';
import { ReconnectBackoff, type BackoffOptions } from './reconnect-backoff.ts';
import { ClientStream, type IncomingResponse } from './client-stream.ts';
import { FetchTracker } from './fetch-tracker.ts';
import { decodeResources } from './response-decoding.ts';
import { endpointNames, routeNames, secretNames } from './resource-refs.ts';
import { ResourceStore, type StoredResource, type TypeResources } from './resource-store.ts';

/** Options of an XdsClient (names follow Envoy's ads_config where they exist). */
export interface XdsClientOptions {
  /** `host:port` or `unix:/path`. */
  readonly target: string;
  /** The node: id, cluster, metadata, locality, user_agent_name... (Envoy JSON). */
  readonly node: EnvoyJson;
  /** SotW (`GRPC`, default) or incremental (`DELTA_GRPC`). */
  readonly apiType?: 'GRPC' | 'DELTA_GRPC';
  readonly setNodeOnFirstMessageOnly?: boolean;
  /** Checks a candidate snapshot (it may still lack resources being fetched); returns errors, [] when valid. */
  readonly validate?: (snapshot: XdsSnapshot) => string[];
  /** Envoy's initial_fetch_timeout (default 15 s; 0 waits forever). */
  readonly initialFetchTimeoutMs?: number;
  /** Reconnect backoff (default 500 ms doubling to 30 s, with jitter). */
  readonly backoff?: BackoffOptions;
  readonly credentials?: grpc.ChannelCredentials;
  readonly logger?: XdsLogger;
}

/** An ACK or NACK the client sent. */
export interface XdsClientAckEvent {
  readonly typeUrl: string;
  readonly version: string;
  readonly nonce: string;
}

/** A NACK the client sent, with its error_detail message. */
export interface XdsClientNackEvent extends XdsClientAckEvent {
  readonly message: string;
}

/** Events of the client. */
export interface XdsClientEvents {
  snapshot: [XdsSnapshot];
  ack: [XdsClientAckEvent];
  nack: [XdsClientNackEvent];
  connected: [];
  disconnected: [string];
}

/** Per-type client state, for the proxy's admin config_dump and tests. */
export interface XdsClientTypeStatus {
  readonly typeUrl: string;
  readonly wildcard: boolean;
  readonly names: readonly string[];
  readonly acceptedVersion: string | undefined;
  readonly lastNack: XdsClientNackEvent | undefined;
}

interface Subscription {
  wildcard: boolean;
  names: Set<string>;
}

const rootTypes = [TypeUrl.Cluster, TypeUrl.Listener] as const;
const dependentTypes = [TypeUrl.ClusterLoadAssignment, TypeUrl.RouteConfiguration, TypeUrl.Secret] as const;
const invalidArgument = 3;

/** The proxy's ADS client. */
export class XdsClient extends EventEmitter<XdsClientEvents> {
  private readonly options: XdsClientOptions;
  private readonly logger: XdsLogger;
  private readonly delta: boolean;
  private readonly store = new ResourceStore();
  private readonly fetches: FetchTracker;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly nacks = new Map<string, XdsClientNackEvent>();
  /** Latest nonce received per type on the current stream. */
  private nonces = new Map<string, string>();
  private stream: ClientStream | undefined;
  private lastGood: XdsSnapshot | undefined;
  private dirty = false;
  private disposed = false;
  private readonly backoff: ReconnectBackoff;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(options: XdsClientOptions) {
    super();
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.delta = options.apiType === 'DELTA_GRPC';
    this.fetches = new FetchTracker(options.initialFetchTimeoutMs ?? 15_000);
    this.backoff = new ReconnectBackoff(options.backoff);
    for (const typeUrl of rootTypes) this.subscriptions.set(typeUrl, { wildcard: true, names: new Set() });
    for (const typeUrl of dependentTypes) this.subscriptions.set(typeUrl, { wildcard: false, names: new Set() });
  }

  /** Opens the stream and subscribes. */
  start(): void {
    if (this.stream !== undefined || this.disposed) return;
    for (const typeUrl of rootTypes) if (this.store.version(typeUrl) === undefined) this.fetches.await(typeUrl, ['']);
    this.connect();
    this.maybeEmit(); // arms the initial fetch timer
  }

  /** The last complete, valid snapshot, if any. */
  current(): XdsSnapshot | undefined {
    return this.lastGood;
  }

  /** Subscriptions, accepted versions and last NACK per type. */
  status(): XdsClientTypeStatus[] {
    return [...this.subscriptions].map(([typeUrl, sub]) => ({
      typeUrl,
      wildcard: sub.wildcard,
      names: [...sub.names].sort(),
      acceptedVersion: this.store.version(typeUrl),
      lastNack: this.nacks.get(typeUrl),
    }));
  }

  /** Closes the stream and stops reconnecting. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.deadlineTimer);
    this.stream?.close();
    this.stream = undefined;
    this.removeAllListeners();
    await Promise.resolve();
  }

  private connect(): void {
    this.nonces = new Map();
    this.stream = new ClientStream({
      target: this.options.target,
      credentials: this.options.credentials ?? grpc.credentials.createInsecure(),
      delta: this.delta,
      node: this.options.node,
      nodeOnFirstMessageOnly: this.options.setNodeOnFirstMessageOnly ?? false,
      onResponse: (response) => this.onResponse(response),
      onMalformed: (error) => this.logger.warn({ error }, 'xds-client: malformed response ignored'),
      onClose: (reason) => this.onClose(reason),
    });
    // Roots first, then whatever the accepted state already references (a reconnect resumes everything).
    for (const typeUrl of [...rootTypes, ...dependentTypes]) {
      const sub = this.subscriptions.get(typeUrl);
      if (sub !== undefined && (sub.wildcard || sub.names.size > 0)) this.sendInitial(typeUrl, sub);
    }
  }

  private sendInitial(typeUrl: string, sub: Subscription): void {
    if (this.delta) {
      this.stream?.sendDelta({
        typeUrl,
        subscribe: sub.wildcard ? [] : [...sub.names],
        unsubscribe: [],
        initialVersions: this.store.resourceVersions(typeUrl),
        nonce: '',
      });
    } else {
      this.stream?.sendSotw({ typeUrl, names: sub.wildcard ? [] : [...sub.names], versionInfo: this.store.version(typeUrl) ?? '', nonce: '' });
    }
  }

  private onClose(reason: string): void {
    this.stream = undefined;
    if (this.disposed) return;
    this.logger.warn({ target: this.options.target, reason, retryInMs: this.backoff.nominalMs }, 'xds-client: stream closed; reconnecting');
    this.emit('disconnected', reason);
    this.reconnectTimer = setTimeout(() => {
      if (!this.disposed) this.connect();
    }, this.backoff.next());
  }

  private onResponse(response: IncomingResponse): void {
    if (this.disposed) return;
    if (this.nonces.size === 0) {
      this.backoff.reset();
      this.emit('connected');
    }
    const { typeUrl } = response;
    this.nonces.set(typeUrl, response.nonce);
    const sub = this.subscriptions.get(typeUrl);
    if (sub === undefined) {
      // Not a type we asked for: acknowledge without using it.
      this.ack(typeUrl, response.version, response.nonce);
      return;
    }
    const decoded = decodeResources(typeUrl, response.resources, response.version);
    const { resources: candidate, changed } = this.candidate(typeUrl, sub, response, decoded.resources);
    const errors = [...decoded.errors];
    if (errors.length === 0 && this.options.validate !== undefined) {
      try {
        errors.push(...this.options.validate(this.store.snapshot({ typeUrl, resources: candidate, version: response.version })));
      } catch (err) {
        errors.push(`validation failed: ${String(err)}`);
      }
    }
    if (errors.length > 0) {
      this.nack(typeUrl, response, errors.join('; '));
      return;
    }
    this.nacks.delete(typeUrl);
    const firstAccept = this.store.version(typeUrl) === undefined;
    this.store.accept(typeUrl, candidate, response.version);
    this.fetches.settle(typeUrl, [...decoded.resources.keys(), ...response.removed, '']);
    if (changed || firstAccept) this.dirty = true;
    this.ack(typeUrl, response.version, response.nonce);
    this.updateSubscriptions();
    this.maybeEmit();
  }

  /** The type's resources if the response is accepted. */
  private candidate(typeUrl: string, sub: Subscription, response: IncomingResponse, incoming: Map<string, StoredResource>): { resources: TypeResources; changed: boolean } {
    const current = this.store.resources(typeUrl);
    const replaceAll = response.mode === 'SotW' && sub.wildcard;
    const next: TypeResources = replaceAll ? new Map() : new Map(current);
    let changed = false;
    for (const name of response.removed) changed = next.delete(name) || changed;
    for (const [name, resource] of incoming) {
      if (!sub.wildcard && !sub.names.has(name)) continue; // not asked for
      const old = current.get(name);
      // An identical resource keeps its object, so consumers can skip it by identity.
      if (old !== undefined && Buffer.compare(old.bytes, resource.bytes) === 0) next.set(name, { ...old, version: resource.version });
      else {
        next.set(name, resource);
        changed = true;
      }
    }
    if (next.size !== current.size) changed = true;
    return { resources: next, changed };
  }

  private ack(typeUrl: string, version: string, nonce: string): void {
    const sub = this.subscriptions.get(typeUrl);
    if (this.delta) this.stream?.sendDelta({ typeUrl, subscribe: [], unsubscribe: [], initialVersions: {}, nonce });
    else this.stream?.sendSotw({ typeUrl, names: sub === undefined || sub.wildcard ? [] : [...sub.names], versionInfo: version, nonce });
    this.emit('ack', { typeUrl, version, nonce });
  }

  private nack(typeUrl: string, response: IncomingResponse, message: string): void {
    const event = { typeUrl, version: response.version, nonce: response.nonce, message };
    this.nacks.set(typeUrl, event);
    this.logger.warn({ type: shortTypeName[typeUrl] ?? typeUrl, version: response.version, error: message }, 'xds-client: rejected update (NACK)');
    const error = { code: invalidArgument, message };
    const sub = this.subscriptions.get(typeUrl);
    if (this.delta) this.stream?.sendDelta({ typeUrl, subscribe: [], unsubscribe: [], initialVersions: {}, nonce: response.nonce, error });
    else this.stream?.sendSotw({ typeUrl, names: sub === undefined || sub.wildcard ? [] : [...sub.names], versionInfo: this.store.version(typeUrl) ?? '', nonce: response.nonce, error });
    this.emit('nack', event);
  }

  /** Re-derives EDS, RDS and SDS names from the accepted clusters and listeners; sends changed subscriptions. */
  private updateSubscriptions(): void {
    const clusters = [...this.store.resources(TypeUrl.Cluster).values()].map((r) => r.json);
    const listeners = [...this.store.resources(TypeUrl.Listener).values()].map((r) => r.json);
    const wanted = new Map<string, Set<string>>([
      [TypeUrl.ClusterLoadAssignment, endpointNames(clusters)],
      [TypeUrl.RouteConfiguration, routeNames(listeners)],
      [TypeUrl.Secret, secretNames(clusters, listeners)],
    ]);
    for (const [typeUrl, names] of wanted) {
      const sub = this.subscriptions.get(typeUrl);
      if (sub === undefined) continue;
      const added = [...names].filter((n) => !sub.names.has(n));
      const removed = [...sub.names].filter((n) => !names.has(n));
      if (added.length === 0 && removed.length === 0) continue;
      sub.names = names;
      this.store.drop(typeUrl, removed);
      this.fetches.settle(typeUrl, removed);
      this.fetches.await(typeUrl, added);
      if (removed.length > 0) this.dirty = true;
      if (this.delta) {
        this.stream?.sendDelta({
          typeUrl,
          subscribe: added,
          unsubscribe: removed,
          initialVersions: {}, // resources of a type are dropped when unsubscribed, so there is nothing to resume
          nonce: '',
        });
      } else {
        this.stream?.sendSotw({ typeUrl, names: [...names], versionInfo: this.store.version(typeUrl) ?? '', nonce: this.nonces.get(typeUrl) ?? '' });
      }
    }
  }

  /** Emits a snapshot when the accepted state changed and nothing awaited blocks it. */
  private maybeEmit(): void {
    clearTimeout(this.deadlineTimer);
    const now = Date.now();
    for (const expired of this.fetches.expire(now)) {
      this.logger.warn({ type: shortTypeName[expired.typeUrl] ?? expired.typeUrl, name: expired.name || '(wildcard)' }, 'xds-client: initial fetch timed out');
      this.dirty = true;
    }
    if (this.fetches.blocking(now).length > 0) {
      const next = this.fetches.nextDeadline();
      if (next !== undefined) this.deadlineTimer = setTimeout(() => this.maybeEmit(), Math.max(0, next - now) + 5);
      return;
    }
    if (!this.dirty) return;
    this.dirty = false;
    this.lastGood = this.store.snapshot();
    this.emit('snapshot', this.lastGood);
  }
}
