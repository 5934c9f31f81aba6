// Incremental ADS (DeltaAggregatedResources): subscribe/unsubscribe, initial_resource_versions, and responses
// that carry only changed resources plus removed_resources.
import { randomUUID } from 'node:crypto';
import { AdsConnection, dependentType, shortType, wildcardTypes, type TypeState } from './ads-connection.ts';
import type { AdsServerStream } from './ads-service.ts';
import { encodeDeltaResponse, type DeltaDiscoveryRequest, type DeltaResource } from './discovery-wire.ts';

/** Drives one Delta stream. */
export class DeltaStream {
  readonly conn: AdsConnection;
  private readonly call: AdsServerStream;
  /** Nonce → version of responses not yet acknowledged (Delta clients may ACK any recent nonce). */
  private readonly pendingNonces = new Map<string, { typeUrl: string; version: string }>();

  constructor(conn: AdsConnection, call: AdsServerStream) {
    this.conn = conn;
    this.call = call;
  }

  /** Handles one decoded request (called in stream order). */
  onRequest(request: DeltaDiscoveryRequest): void {
    const conn = this.conn;
    if (conn.node === undefined && request.node !== undefined) conn.node = request.node;
    if (request.type_url === '') {
      conn.context.logger.warn({ conn: conn.id }, 'ads: delta request without type_url ignored');
      return;
    }
    const firstRequest = !conn.types.has(request.type_url);
    const state = conn.typeState(request.type_url);
    const nonce = request.response_nonce;
    if (nonce !== '') {
      const sent = this.pendingNonces.get(nonce);
      if (sent === undefined || sent.typeUrl !== state.typeUrl) {
        conn.context.logger.debug({ conn: conn.id, type: shortType(state.typeUrl), nonce }, 'ads: delta request with unknown nonce');
      } else {
        // This nonce and every older one of the type are settled.
        for (const [n, v] of this.pendingNonces) {
          if (v.typeUrl === state.typeUrl) this.pendingNonces.delete(n);
          if (n === nonce) break;
        }
        conn.recordAck(state, nonce, sent.version, request.error_detail);
      }
    }
    if (firstRequest) {
      for (const [name, version] of Object.entries(request.initial_resource_versions)) state.sent.set(name, version);
      if (wildcardTypes.has(state.typeUrl) && request.resource_names_subscribe.length === 0) state.wildcard = true;
    }
    let gained = false;
    for (const name of request.resource_names_subscribe) {
      if (name === '*') {
        gained = gained || !state.wildcard;
        state.wildcard = true;
      } else if (!state.names.has(name)) {
        state.names.add(name);
        gained = true;
      }
    }
    for (const name of request.resource_names_unsubscribe) {
      if (name === '*') state.wildcard = false;
      else state.names.delete(name);
      if (!state.wildcard) state.sent.delete(name);
    }
    if (firstRequest || gained) conn.enqueue(async () => void (await this.respond(state, firstRequest)));
  }

  /** Pushes the given types; after a CDS (LDS) change, EDS (RDS) resources are re-sent as Envoy expects. */
  async push(types: readonly string[], force = false): Promise<void> {
    const forced = new Set<string>();
    const order = [...types];
    for (let i = 0; i < order.length; i++) {
      const typeUrl = order[i] ?? '';
      const state = this.conn.types.get(typeUrl);
      if (state === undefined) continue;
      const sent = await this.respond(state, false, force || forced.has(typeUrl));
      const dependent = sent ? dependentType[typeUrl] : undefined;
      if (dependent !== undefined && this.conn.types.get(dependent)?.active === true) {
        forced.add(dependent);
        if (!order.includes(dependent)) order.splice(i + 1, 0, dependent);
      }
    }
  }

  /** Sends changed and removed resources; on the first request of a type, also an empty answer. */
  private async respond(state: TypeState, force: boolean, resendAll = false): Promise<boolean> {
    const conn = this.conn;
    const encoded = state.active ? await conn.generate(state) : new Map();
    if (encoded === undefined) return false;
    const resources: DeltaResource[] = [];
    const nextSent = new Map(state.sent);
    for (const [name, resource] of encoded) {
      if (state.sent.get(name) === resource.version && !resendAll) continue;
      resources.push({ name, version: resource.version, resource: { type_url: state.typeUrl, value: resource.bytes } });
      nextSent.set(name, resource.version);
    }
    const removed: string[] = [];
    for (const [name, version] of state.sent) {
      if (encoded.has(name) || version === '') continue;
      removed.push(name);
      if (state.names.has(name)) nextSent.set(name, '');
      else nextSent.delete(name);
    }
    // Explicitly subscribed names that do not exist are reported as removed once, so the proxy stops waiting.
    for (const name of state.names) {
      if (!encoded.has(name) && !state.sent.has(name)) {
        removed.push(name);
        nextSent.set(name, '');
      }
    }
    if (resources.length === 0 && removed.length === 0 && !force) return false;
    const version = conn.context.version();
    const nonce = `${version}${randomUUID()}`;
    const response = {
      system_version_info: version,
      type_url: state.typeUrl,
      nonce,
      resources,
      removed_resources: removed,
      ...(conn.context.controlPlaneId === undefined ? {} : { control_plane: { identifier: conn.context.controlPlaneId } }),
    };
    if (conn.closed) return false;
    const bytes = encodeDeltaResponse(response);
    const release = await conn.holdWriteBudget(bytes.length);
    if (conn.closed) {
      release();
      return false;
    }
    this.call.write(bytes, release);
    state.sent = nextSent;
    this.pendingNonces.set(nonce, { typeUrl: state.typeUrl, version });
    if (this.pendingNonces.size > 64) this.pendingNonces.delete(this.pendingNonces.keys().next().value ?? '');
    conn.recordSent(state, version, nonce, resources.length, removed.length);
    return true;
  }
}
