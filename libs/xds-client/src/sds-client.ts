// One SDS stream to one config source (Envoy's SdsApi per api_config_source): requests exactly the referenced
// secret names (SotW StreamSecrets or DeltaSecrets), ACKs accepted responses, NACKs undecodable or invalid
// secrets keeping the last good ones, re-subscribes when the names change and reconnects with backoff.
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { silentLogger, TypeUrl, type EnvoyJson, type XdsLogger } from '@mesh/xds';
import { ReconnectBackoff, type BackoffOptions } from './reconnect-backoff.ts';
import { ClientStream, type IncomingResponse } from './client-stream.ts';
import { FetchTracker } from './fetch-tracker.ts';
import { decodeResources } from './response-decoding.ts';
import type { StoredResource } from './resource-store.ts';
import type { XdsClientAckEvent, XdsClientNackEvent } from './xds-client.ts';

/** Options of one SDS stream. */
export interface SdsClientOptions {
  /** gRPC channel target: `unix:/path` or `host:port`. */
  readonly target: string;
  readonly node: EnvoyJson;
  readonly apiType?: 'GRPC' | 'DELTA_GRPC';
  readonly setNodeOnFirstMessageOnly?: boolean;
  /** How long a newly referenced name is awaited before it stops blocking readiness (0: forever; default 15 s). */
  readonly initialFetchTimeoutMs?: number;
  /** Reconnect backoff (default 500 ms doubling to 30 s, with jitter). */
  readonly backoff?: BackoffOptions;
  /** Checks one decoded Secret (e.g. that its key matches its certificate); returns errors, [] when usable. */
  readonly validate?: (secret: EnvoyJson) => string[];
  readonly credentials?: grpc.ChannelCredentials;
  readonly logger?: XdsLogger;
}

/** Events of an SDS stream. */
export interface SdsClientEvents {
  /** The accepted secrets changed, or an initial fetch timed out. */
  update: [];
  ack: [XdsClientAckEvent];
  nack: [XdsClientNackEvent];
  connected: [];
  disconnected: [string];
}

const invalidArgument = 3;

/** The client of one SDS config source. */
export class SdsClient extends EventEmitter<SdsClientEvents> {
  readonly target: string;
  private readonly options: SdsClientOptions;
  private readonly logger: XdsLogger;
  private readonly delta: boolean;
  private readonly fetches: FetchTracker;
  private names = new Set<string>();
  private secrets = new Map<string, StoredResource>();
  private version: string | undefined;
  private lastNonce = '';
  private lastNackEvent: XdsClientNackEvent | undefined;
  private stream: ClientStream | undefined;
  private started = false;
  private disposed = false;
  private readonly backoff: ReconnectBackoff;
  private receivedOnStream = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(options: SdsClientOptions) {
    super();
    this.options = options;
    this.target = options.target;
    this.logger = options.logger ?? silentLogger;
    this.delta = options.apiType === 'DELTA_GRPC';
    this.fetches = new FetchTracker(options.initialFetchTimeoutMs ?? 15_000);
    this.backoff = new ReconnectBackoff(options.backoff);
  }

  /** Opens the stream (if any names are wanted) and keeps it open. */
  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    if (this.names.size > 0) this.connect();
  }

  /** Subscribes exactly these names: new ones are requested, dropped ones forgotten. */
  setNames(names: Iterable<string>): void {
    const next = new Set(names);
    const added = [...next].filter((n) => !this.names.has(n));
    const removed = [...this.names].filter((n) => !next.has(n));
    if (added.length === 0 && removed.length === 0) return;
    this.names = next;
    this.fetches.settle(TypeUrl.Secret, removed);
    this.fetches.await(TypeUrl.Secret, added.filter((n) => !this.secrets.has(n)));
    let dropped = false;
    for (const name of removed) dropped = this.secrets.delete(name) || dropped;
    this.armDeadline();
    if (dropped) this.emit('update');
    if (!this.started || this.disposed) return;
    if (this.stream === undefined) {
      if (this.reconnectTimer === undefined && this.names.size > 0) this.connect();
      return;
    }
    if (this.delta) this.stream.sendDelta({ typeUrl: TypeUrl.Secret, subscribe: added, unsubscribe: removed, initialVersions: {}, nonce: '' });
    else this.stream.sendSotw({ typeUrl: TypeUrl.Secret, names: [...this.names], versionInfo: this.version ?? '', nonce: this.lastNonce });
  }

  /** The accepted secrets by name. */
  current(): Map<string, EnvoyJson> {
    return new Map([...this.secrets].map(([name, r]) => [name, r.json]));
  }

  /** Subscribed names not received yet whose initial fetch has not timed out. */
  awaiting(): string[] {
    return this.fetches.blocking().map((b) => b.name);
  }

  /** Subscribed names, accepted version and last NACK (admin and tests). */
  status(): { target: string; names: string[]; acceptedVersion: string | undefined; lastNack: XdsClientNackEvent | undefined; connected: boolean } {
    return { target: this.target, names: [...this.names].sort(), acceptedVersion: this.version, lastNack: this.lastNackEvent, connected: this.stream !== undefined && this.receivedOnStream };
  }

  /** Closes the stream and stops reconnecting. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.deadlineTimer);
    this.stream?.close();
    this.stream = undefined;
    this.removeAllListeners();
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    this.lastNonce = '';
    this.receivedOnStream = false;
    this.stream = new ClientStream({
      target: this.options.target,
      credentials: this.options.credentials ?? grpc.credentials.createInsecure(),
      service: 'sds',
      delta: this.delta,
      node: this.options.node,
      nodeOnFirstMessageOnly: this.options.setNodeOnFirstMessageOnly ?? false,
      onResponse: (response) => this.onResponse(response),
      onMalformed: (error) => this.logger.warn({ target: this.target, error }, 'sds-client: malformed response ignored'),
      onClose: (reason) => this.onClose(reason),
    });
    if (this.delta) {
      const initialVersions: Record<string, string> = {};
      for (const [name, r] of this.secrets) initialVersions[name] = r.version;
      this.stream.sendDelta({ typeUrl: TypeUrl.Secret, subscribe: [...this.names], unsubscribe: [], initialVersions, nonce: '' });
    } else {
      this.stream.sendSotw({ typeUrl: TypeUrl.Secret, names: [...this.names], versionInfo: this.version ?? '', nonce: '' });
    }
  }

  private onClose(reason: string): void {
    this.stream = undefined;
    if (this.disposed) return;
    this.logger.warn({ target: this.target, reason, retryInMs: this.backoff.nominalMs }, 'sds-client: stream closed; reconnecting');
    this.emit('disconnected', reason);
    this.reconnectTimer = setTimeout(() => {
      if (!this.disposed) this.connect();
    }, this.backoff.next());
  }

  private onResponse(response: IncomingResponse): void {
    if (this.disposed) return;
    if (!this.receivedOnStream) {
      this.receivedOnStream = true;
      this.backoff.reset();
      this.emit('connected');
    }
    this.lastNonce = response.nonce;
    if (response.typeUrl !== TypeUrl.Secret) {
      this.nack(response, `type ${response.typeUrl} on a secret discovery stream`);
      return;
    }
    const decoded = decodeResources(TypeUrl.Secret, response.resources, response.version);
    const errors = [...decoded.errors];
    if (errors.length === 0 && this.options.validate !== undefined) {
      for (const [name, r] of decoded.resources) {
        if (!this.names.has(name)) continue;
        try {
          errors.push(...this.options.validate(r.json).map((e) => `Secret resource ${JSON.stringify(name)}: ${e}`));
        } catch (err) {
          errors.push(`Secret resource ${JSON.stringify(name)}: validation failed: ${String(err)}`);
        }
      }
    }
    if (errors.length > 0) {
      this.nack(response, errors.join('; '));
      return;
    }
    this.lastNackEvent = undefined;
    // SDS is not a wildcard type: a SotW response carries the requested secrets, absent ones are not removed.
    const next = new Map(this.secrets);
    let changed = false;
    for (const name of response.removed) changed = next.delete(name) || changed;
    for (const [name, r] of decoded.resources) {
      if (!this.names.has(name)) continue; // not asked for
      const old = next.get(name);
      if (old !== undefined && Buffer.compare(old.bytes, r.bytes) === 0) next.set(name, { ...old, version: r.version });
      else {
        next.set(name, r);
        changed = true;
      }
    }
    this.secrets = next;
    this.version = response.version;
    const expiredBefore = this.fetches.blocking().length;
    this.fetches.settle(TypeUrl.Secret, [...decoded.resources.keys(), ...response.removed]);
    this.ack(response);
    this.armDeadline();
    if (changed || this.fetches.blocking().length !== expiredBefore) this.emit('update');
  }

  private ack(response: IncomingResponse): void {
    if (this.delta) this.stream?.sendDelta({ typeUrl: TypeUrl.Secret, subscribe: [], unsubscribe: [], initialVersions: {}, nonce: response.nonce });
    else this.stream?.sendSotw({ typeUrl: TypeUrl.Secret, names: [...this.names], versionInfo: response.version, nonce: response.nonce });
    this.emit('ack', { typeUrl: TypeUrl.Secret, version: response.version, nonce: response.nonce });
  }

  private nack(response: IncomingResponse, message: string): void {
    const event = { typeUrl: response.typeUrl, version: response.version, nonce: response.nonce, message };
    this.lastNackEvent = event;
    this.logger.warn({ target: this.target, version: response.version, error: message }, 'sds-client: rejected secrets (NACK)');
    const error = { code: invalidArgument, message };
    if (this.delta) this.stream?.sendDelta({ typeUrl: TypeUrl.Secret, subscribe: [], unsubscribe: [], initialVersions: {}, nonce: response.nonce, error });
    else this.stream?.sendSotw({ typeUrl: TypeUrl.Secret, names: [...this.names], versionInfo: this.version ?? '', nonce: response.nonce, error });
    this.emit('nack', event);
  }

  /** Wakes up when the next initial fetch times out, so readiness stops waiting for it. */
  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const now = Date.now();
    const expired = this.fetches.expire(now);
    for (const e of expired) this.logger.warn({ target: this.target, name: e.name }, 'sds-client: initial fetch timed out');
    if (expired.length > 0) queueMicrotask(() => this.disposed || this.emit('update'));
    const next = this.fetches.nextDeadline();
    if (next !== undefined) this.deadlineTimer = setTimeout(() => this.armDeadline(), Math.max(0, next - now) + 5);
  }
}
