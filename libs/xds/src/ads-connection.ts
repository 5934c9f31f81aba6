// One ADS stream's state: node, per-type subscriptions, what was sent/acked/rejected, and a serial work queue so
// that responses to requests and pushes never interleave on the stream.
import type { EventEmitter } from 'node:events';
import type {
  AdsConnectionInfo,
  AdsConnectionStatus,
  AdsMode,
  AdsProvider,
  AdsServerEvents,
  AdsTypeStatus,
  NackRecord,
  XdsLogger,
} from './ads-types.ts';
import { LayeredResources } from './layered-resources.ts';
import { encodeResource, type EncodedResource } from './resource-encoding.ts';
import type { EnvoyJson } from './snapshot.ts';
import { pushOrder, shortTypeName, TypeUrl } from './type-urls.ts';
import type { WriteBudget } from './write-budget.ts';

/** What the connections share with their server. */
export interface AdsServerContext {
  readonly provider: AdsProvider;
  readonly logger: XdsLogger;
  readonly events: EventEmitter<AdsServerEvents>;
  /** The current push version ("<RFC 3339>/<counter>"). */
  version(): string;
  /** control_plane.identifier for responses. */
  readonly controlPlaneId: string | undefined;
  /** Bytes of responses in flight across all streams. */
  readonly writeBudget: WriteBudget;
}

/** Types whose empty subscription means "everything" (xDS root types). */
export const wildcardTypes: ReadonlySet<string> = new Set([TypeUrl.Cluster, TypeUrl.Listener]);

/** The type Envoy re-requests when a resource of the key type changes (clusters → endpoints, listeners → routes). */
export const dependentType: Readonly<Record<string, string>> = {
  [TypeUrl.Cluster]: TypeUrl.ClusterLoadAssignment,
  [TypeUrl.Listener]: TypeUrl.RouteConfiguration,
};

/** Mutable per-type state of one stream. */
export class TypeState {
  readonly typeUrl: string;
  wildcard = false;
  readonly names = new Set<string>();
  /** Resource name → version the proxy holds from us ('' = told it does not exist). */
  sent = new Map<string, string>();
  /** True when `sent` is a versions map shared with other streams (copy it before changing it). */
  sentShared = false;
  sentVersion: string | undefined;
  sentNonce: string | undefined;
  sentAt: Date | undefined;
  ackedVersion: string | undefined;
  ackedNonce: string | undefined;
  lastNack: NackRecord | undefined;

  constructor(typeUrl: string) {
    this.typeUrl = typeUrl;
  }

  /** True when the proxy wants anything of this type. */
  get active(): boolean {
    return this.wildcard || this.names.size > 0;
  }

  status(): AdsTypeStatus {
    let resourceCount = 0;
    for (const version of this.sent.values()) if (version !== '') resourceCount++;
    return {
      typeUrl: this.typeUrl,
      wildcard: this.wildcard,
      names: [...this.names].sort(),
      sentVersion: this.sentVersion,
      sentNonce: this.sentNonce,
      sentAt: this.sentAt,
      ackedVersion: this.ackedVersion,
      ackedNonce: this.ackedNonce,
      lastNack: this.lastNack,
      resourceCount,
    };
  }
}

let connectionCounter = 0;

/** Resources as generated and encoded for one response. */
export type EncodedSet = Map<string, EncodedResource>;

/**
 * Resource maps a provider promises never to change (istiod's per-group outbound maps). Every stream handed the
 * same such map gets the same EncodedSet, so the per-resource encoding look-ups, the response's entry list and the
 * sent-versions map are built once per map instead of once per stream.
 */
const immutableMaps = new WeakSet<ReadonlyMap<string, EnvoyJson>>();
const encodedByMap = new WeakMap<ReadonlyMap<string, EnvoyJson>, { typeUrl: string; encoded: EncodedSet }>();

/** Declares `resources` immutable from now on (see above); returns it. */
export function markImmutable<M extends ReadonlyMap<string, EnvoyJson>>(resources: M): M {
  immutableMaps.add(resources);
  return resources;
}

const entriesBySet = new WeakMap<EncodedSet, Uint8Array[]>();
const versionsBySet = new WeakMap<EncodedSet, Map<string, string>>();

/** The response entries of an encoded set, in order (memoized per set). */
export function entriesOf(encoded: EncodedSet): Uint8Array[] {
  let entries = entriesBySet.get(encoded);
  if (entries === undefined) {
    entries = [];
    for (const r of encoded.values()) entries.push(r.entry);
    entriesBySet.set(encoded, entries);
  }
  return entries;
}

/** Name → version of an encoded set (memoized per set; shared: do not modify). */
export function versionsOf(encoded: EncodedSet): Map<string, string> {
  let versions = versionsBySet.get(encoded);
  if (versions === undefined) {
    versions = new Map();
    for (const [name, r] of encoded) versions.set(name, r.version);
    versionsBySet.set(encoded, versions);
  }
  return versions;
}

/** The state and work queue of one ADS stream; the SotW and Delta handlers drive it. */
export class AdsConnection implements AdsConnectionInfo {
  readonly mode: AdsMode;
  readonly peer: string;
  readonly connectedAt = new Date();
  readonly context: AdsServerContext;
  readonly types = new Map<string, TypeState>();
  node: EnvoyJson | undefined;
  private readonly counter = ++connectionCounter;
  private queue: Promise<void> = Promise.resolve();
  private pendingPush: Set<string> | undefined;
  private pendingForce = false;
  closed = false;
  /** Releases of this stream's writes still in flight (returned to the budget when the stream goes away). */
  private readonly inFlight = new Set<() => void>();
  /** Ends the underlying stream (set by the server). */
  cancel: (() => void) | undefined;

  constructor(context: AdsServerContext, mode: AdsMode, peer: string) {
    this.context = context;
    this.mode = mode;
    this.peer = peer;
  }

  get nodeId(): string {
    const id = this.node?.['id'];
    return typeof id === 'string' ? id : '';
  }

  get id(): string {
    return `${this.nodeId === '' ? 'unknown' : this.nodeId}-${this.counter}`;
  }

  /** A frozen view for providers and events. */
  info(): AdsConnectionInfo {
    return { id: this.id, mode: this.mode, peer: this.peer, node: this.node, nodeId: this.nodeId };
  }

  status(): AdsConnectionStatus {
    const types = [...this.types.values()].sort((a, b) => typeRank(a.typeUrl) - typeRank(b.typeUrl)).map((t) => t.status());
    return { ...this.info(), connectedAt: this.connectedAt, types };
  }

  typeState(typeUrl: string): TypeState {
    let state = this.types.get(typeUrl);
    if (state === undefined) {
      state = new TypeState(typeUrl);
      this.types.set(typeUrl, state);
    }
    return state;
  }

  /** Reserves write budget for a response of `bytes`; the returned function releases it (call it when the write drained). */
  async holdWriteBudget(bytes: number): Promise<() => void> {
    const release = await this.context.writeBudget.acquire(bytes);
    const done = (): void => {
      this.inFlight.delete(done);
      release();
    };
    this.inFlight.add(done);
    return done;
  }

  /** Marks the stream closed and returns its unfinished writes' budget. */
  close(): void {
    this.closed = true;
    for (const release of [...this.inFlight]) release();
  }

  /** Runs work after everything queued before it; errors are logged, never thrown into the stream. */
  enqueue(work: () => Promise<void> | void): void {
    this.queue = this.queue
      .then(() => (this.closed ? undefined : work()))
      .catch((err: unknown) => this.context.logger.error({ conn: this.id, err }, 'ads: work failed'));
  }

  /** Resolves when the work queued so far has finished. */
  drained(): Promise<void> {
    return this.queue;
  }

  /** Queues a push of these types (merged with a push that has not started yet). */
  schedulePush(types: ReadonlySet<string> | undefined, force: boolean, run: (types: string[], force: boolean) => Promise<void>): void {
    const wanted = types ?? new Set(this.types.keys());
    this.pendingForce = this.pendingForce || force;
    if (this.pendingPush !== undefined) {
      for (const t of wanted) this.pendingPush.add(t);
      return;
    }
    this.pendingPush = new Set(wanted);
    this.enqueue(async () => {
      const pending = this.pendingPush ?? new Set<string>();
      const forced = this.pendingForce;
      this.pendingPush = undefined;
      this.pendingForce = false;
      const ordered = [...pending].filter((t) => this.types.get(t)?.active === true).sort((a, b) => typeRank(a) - typeRank(b));
      await run(ordered, forced);
    });
  }

  /** Asks the provider and encodes the result; undefined when generation failed (logged). */
  async generate(state: TypeState): Promise<EncodedSet | undefined> {
    const names = state.wildcard ? [] : [...state.names];
    let generated: ReadonlyMap<string, EnvoyJson>;
    try {
      generated = await this.context.provider.generate(this.info(), state.typeUrl, names);
    } catch (err) {
      // A type the mesh does not know is answered with nothing; for known types the proxy keeps what it has.
      const known = typeRank(state.typeUrl) < pushOrder.length;
      this.context.logger[known ? 'error' : 'debug']({ conn: this.id, type: shortType(state.typeUrl), err }, 'ads: generate failed');
      return known ? undefined : new Map();
    }
    if (generated instanceof LayeredResources && state.wildcard && immutableMaps.has(generated.base)) {
      return this.encodeLayered(state, generated) ?? this.encodeAll(state, generated).encoded;
    }
    return this.encodeShared(state, generated);
  }

  /** Encodes `generated`, sharing the result with every stream given the same immutable map. */
  private encodeShared(state: TypeState, generated: ReadonlyMap<string, EnvoyJson>): EncodedSet {
    const shareable = immutableMaps.has(generated);
    if (shareable) {
      const memo = encodedByMap.get(generated);
      if (memo !== undefined && memo.typeUrl === state.typeUrl && (state.wildcard || everyNameIn(memo.encoded, state.names))) return memo.encoded;
    }
    const { encoded, complete } = this.encodeAll(state, generated);
    if (shareable && complete) {
      encodedByMap.set(generated, { typeUrl: state.typeUrl, encoded });
      // One contiguous chunk for every stream that sends this set: written by reference, never copied per stream.
      const entries: Uint8Array[] = [];
      for (const r of encoded.values()) entries.push(r.entry);
      entriesBySet.set(encoded, [Buffer.concat(entries)]);
    }
    return encoded;
  }

  /**
   * The shared base's encoded set (built once per base map) plus this proxy's own few resources: a map copy and
   * two small loops instead of an encoding look-up per resource; undefined when the base did not encode fully.
   */
  private encodeLayered(state: TypeState, generated: LayeredResources): EncodedSet | undefined {
    const base = this.encodeShared(state, generated.base);
    if (base.size !== generated.base.size) return undefined;
    const own = this.encodeAll(state, generated.extra).encoded;
    const combined: EncodedSet = new Map(base);
    const versions = new Map(versionsOf(base));
    const entries = [...entriesOf(base)];
    for (const [name, resource] of own) {
      combined.set(name, resource);
      versions.set(name, resource.version);
      entries.push(resource.entry);
    }
    versionsBySet.set(combined, versions);
    entriesBySet.set(combined, entries);
    return combined;
  }

  /** Encodes every wanted resource of `generated`; `complete` is false when one was filtered out or failed. */
  private encodeAll(state: TypeState, generated: ReadonlyMap<string, EnvoyJson>): { encoded: EncodedSet; complete: boolean } {
    const encoded: EncodedSet = new Map();
    let complete = true;
    for (const [name, resource] of generated) {
      if (!state.wildcard && !state.names.has(name)) {
        complete = false;
        continue;
      }
      try {
        encoded.set(name, encodeResource(state.typeUrl, resource));
      } catch (err) {
        complete = false;
        this.context.logger.error({ conn: this.id, type: shortType(state.typeUrl), resource: name, err: String(err) }, 'ads: resource does not encode; skipped');
      }
    }
    return { encoded, complete };
  }

  /** Records an ACK or NACK and emits the event. */
  recordAck(state: TypeState, nonce: string, version: string, error: { code: number; message: string } | undefined): void {
    const connection = this.info();
    if (error === undefined) {
      state.ackedNonce = nonce;
      state.ackedVersion = version;
      this.context.logger.debug({ conn: this.id, type: shortType(state.typeUrl), version, nonce }, 'ads: ACK');
      this.context.events.emit('ack', { connection, typeUrl: state.typeUrl, version, nonce });
      return;
    }
    state.lastNack = { nonce, version, message: error.message, code: error.code, at: new Date() };
    this.context.logger.warn({ conn: this.id, type: shortType(state.typeUrl), version, nonce, error: error.message }, 'ads: NACK');
    this.context.events.emit('nack', { connection, typeUrl: state.typeUrl, version, nonce, message: error.message, code: error.code });
  }

  /** Records a sent response and emits the event. */
  recordSent(state: TypeState, version: string, nonce: string, resources: number, removed: number): void {
    state.sentVersion = version;
    state.sentNonce = nonce;
    state.sentAt = new Date();
    this.context.logger.debug({ conn: this.id, type: shortType(state.typeUrl), version, nonce, resources, removed }, 'ads: push');
    this.context.events.emit('response', { connection: this.info(), typeUrl: state.typeUrl, version, nonce, resources, removed });
  }
}

function everyNameIn(encoded: EncodedSet, names: ReadonlySet<string>): boolean {
  for (const name of encoded.keys()) if (!names.has(name)) return false;
  return true;
}

/** CDS, EDS, LDS, RDS, SDS first (push order), then any other type. */
export function typeRank(typeUrl: string): number {
  const index = pushOrder.indexOf(typeUrl);
  return index < 0 ? pushOrder.length : index;
}

/** CDS/EDS/... for logs; the type URL for others. */
export function shortType(typeUrl: string): string {
  return shortTypeName[typeUrl] ?? typeUrl;
}
