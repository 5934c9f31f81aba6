// State-of-the-world ADS (StreamAggregatedResources): request classification (new request, ACK, NACK, stale
// nonce), subscription tracking and change-only pushes. CDS and LDS responses always carry the full set.
import { randomUUID } from 'node:crypto';
import { AdsConnection, dependentType, shortType, wildcardTypes, type TypeState } from './ads-connection.ts';
import type { AdsServerStream } from './ads-service.ts';
import type { DiscoveryRequest } from './discovery-wire.ts';
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
      state.requestedNames = undefined;
      return gained;
    }
    // ACKs repeat the subscription (thousands of EDS names per proxy): an identical list changes nothing.
    if (!state.wildcard && sameList(state.requestedNames, names)) return false;
    state.wildcard = false;
    state.requestedNames = names;
    let gained = false;
    const wanted = new Set(names);
    for (const name of wanted) if (!state.names.has(name)) gained = true;
    for (const name of [...state.names]) {
      if (!wanted.has(name)) {
        state.names.delete(name);
        state.sent.delete(name);
      }
    }
    for (const name of wanted) state.names.add(name);
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
    let changed = encoded.size !== state.sent.size;
    for (const [name, resource] of encoded) if (state.sent.get(name) !== resource.version) changed = true;
    if (!changed && !force) return false;
    const version = conn.context.version();
    const nonce = `${version}${randomUUID()}`;
    const envelope = {
      version_info: version,
      type_url: state.typeUrl,
      nonce,
      ...(conn.context.controlPlaneId === undefined ? {} : { control_plane: { identifier: conn.context.controlPlaneId } }),
    };
    const entries: Uint8Array[] = [];
    for (const r of encoded.values()) entries.push(r.entry);
    const plan = planResponse(envelope, entries);
    // Written only once the write budget has room, and as a plan: the bytes are assembled when gRPC sends it, so a
    // push to every proxy does not hold every response in memory at once.
    const release = await conn.holdWriteBudget(plan.size);
    if (conn.closed) {
      release();
      return false;
    }
    this.call.write(plan, release);
    state.sent = new Map([...encoded].map(([name, r]) => [name, r.version]));
    conn.recordSent(state, version, nonce, encoded.size, 0);
    return true;
  }
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
