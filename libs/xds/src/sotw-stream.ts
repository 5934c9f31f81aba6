// State-of-the-world ADS (StreamAggregatedResources): request classification (new request, ACK, NACK, stale
// nonce), subscription tracking and change-only pushes. CDS and LDS responses always carry the full set.
import { randomUUID } from 'node:crypto';
import { AdsConnection, dependentType, entriesOf, shortType, versionsOf, wildcardTypes, type TypeState } from './ads-connection.ts';
import type { AdsServerStream } from './ads-service.ts';
import type { DiscoveryRequest } from './discovery-wire.ts';
import { writeFramed } from './grpc-framed-write.ts';
import { planResponse } from './response-assembly.ts';

/** Drives one SotW stream. */
export class SotwStream {
  readonly conn: AdsConnection;
  private readonly call: AdsServerStream;

  constructor(conn: AdsConnection, call: AdsServerStream) {
    this.conn = conn;
    this.call = call;
  }

  /** Handles one decoded request (called in stream order). */
  onRequest(request: DiscoveryRequest): void {
    const conn = this.conn;
    if (conn.node === undefined && request.node !== undefined) conn.node = request.node;
    if (request.type_url === '') {
      conn.context.logger.warn({ conn: conn.id }, 'ads: request without type_url ignored');
      return;
    }
    const state = conn.typeState(request.type_url);
    const nonce = request.response_nonce;
    if (nonce !== '' && nonce !== state.sentNonce) {
      conn.context.logger.debug({ conn: conn.id, type: shortType(state.typeUrl), nonce, expected: state.sentNonce }, 'ads: stale nonce ignored');
      return;
    }
    const gained = this.updateSubscription(state, request.resource_names);
    if (nonce === '') {
      // First request for the type on this stream (or a client restarting it): always answer.
      conn.enqueue(async () => void (await this.respond(state, true)));
      return;
    }
    conn.recordAck(state, nonce, state.sentVersion ?? '', request.error_detail);
    if (request.error_detail === undefined && gained) conn.enqueue(async () => void (await this.respond(state, true)));
  }

  /** Applies resource_names; true when names were added (which needs a response). */
  private updateSubscription(state: TypeState, names: readonly string[]): boolean {
    if (wildcardTypes.has(state.typeUrl) && (names.length === 0 || names.includes('*'))) {
      const gained = !state.wildcard;
      state.wildcard = true;
      state.names.clear();
      return gained;
    }
    // ACKs repeat the subscription (thousands of EDS names per proxy): the same names change nothing. (Checked
    // against the set itself rather than the last list, so no per-stream copy of the names is kept.)
    if (!state.wildcard && sameNames(state.names, names)) return false;
    state.wildcard = false;
    let gained = false;
    const wanted = new Set(names);
    for (const name of wanted) if (!state.names.has(name)) gained = true;
    for (const name of [...state.names]) {
      if (!wanted.has(name)) {
        state.names.delete(name);
        if (state.sentShared && state.sent.has(name)) {
          state.sent = new Map(state.sent);
          state.sentShared = false;
        }
        state.sent.delete(name);
      }
    }
    for (const name of wanted) if (!state.names.has(name)) state.names.add(canonicalName(name));
    return gained;
  }

  /**
   * Pushes the given types if their resources changed. After a CDS (LDS) change, EDS (RDS) is sent even when
   * unchanged: Envoy re-requests endpoints for updated clusters and keeps them warming until it gets a response.
   */
  async push(types: readonly string[], force = false): Promise<void> {
    const forced = new Set<string>();
    const order = [...types];
    for (let i = 0; i < order.length; i++) {
      const typeUrl = order[i] ?? '';
      const state = this.conn.types.get(typeUrl);
      if (state === undefined) continue;
      const sent = await this.respond(state, force || forced.has(typeUrl));
      const dependent = sent ? dependentType[typeUrl] : undefined;
      if (dependent !== undefined && this.conn.types.get(dependent)?.active === true) {
        forced.add(dependent);
        if (!order.includes(dependent)) order.splice(i + 1, 0, dependent);
      }
    }
  }

  /** Generates and sends a response; without `force`, only when something changed since the last one. */
  private async respond(state: TypeState, force: boolean): Promise<boolean> {
    const conn = this.conn;
    if (!state.active && !force) return false;
    const encoded = state.active ? await conn.generate(state) : new Map();
    if (encoded === undefined) return false; // generation failed: keep what the proxy has
    const versions = versionsOf(encoded);
    // The same shared set as last time is unchanged without comparing thousands of versions.
    let changed = versions !== state.sent && encoded.size !== state.sent.size;
    if (versions !== state.sent && !changed) for (const [name, resource] of encoded) if (state.sent.get(name) !== resource.version) changed = true;
    if (!changed && !force) return false;
    const version = conn.context.version();
    const nonce = `${version}${randomUUID()}`;
    const envelope = {
      version_info: version,
      type_url: state.typeUrl,
      nonce,
      ...(conn.context.controlPlaneId === undefined ? {} : { control_plane: { identifier: conn.context.controlPlaneId } }),
    };
    const plan = planResponse(envelope, entriesOf(encoded));
    // Written only once the write budget has room, and as a plan: the bytes are assembled when gRPC sends it, so a
    // push to every proxy does not hold every response in memory at once.
    const release = await conn.holdWriteBudget(plan.size);
    if (conn.closed) {
      release();
      return false;
    }
    // Straight to the HTTP/2 stream when possible (no per-connection copy), else through gRPC's serializer.
    if (!writeFramed(this.call, plan, release)) this.call.write(plan, release);
    state.sent = versions;
    state.sentShared = true;
    conn.recordSent(state, version, nonce, encoded.size, 0);
    return true;
  }
}

/**
 * True when `names` holds exactly the subscribed names. A list that repeats one name in place of another would pass;
 * xDS clients send each name once, and the cost of a miss is one extra resource until the next subscription change.
 */
function sameNames(subscribed: ReadonlySet<string>, names: readonly string[]): boolean {
  if (names.length !== subscribed.size || names.length === 0) return false;
  for (const name of names) if (!subscribed.has(name)) return false;
  return true;
}

/**
 * Subscribed names are kept as one shared string per distinct name: every request decodes fresh strings, and 200
 * proxies subscribing to the same 4000 EDS clusters otherwise held 800 000 copies (≈ 50 MB).
 */
const canonicalNames = new Map<string, string>();
const canonicalNamesMax = 200_000;

function canonicalName(name: string): string {
  const known = canonicalNames.get(name);
  if (known !== undefined) return known;
  if (canonicalNames.size >= canonicalNamesMax) canonicalNames.clear(); // a bound, not an eviction policy: rare
  canonicalNames.set(name, name);
  return name;
}
