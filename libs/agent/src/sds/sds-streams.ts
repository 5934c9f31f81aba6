// Per-stream SDS protocol state, SotW and Delta. Each decides what to send for a request and for a new secret;
// the server owns sockets and gRPC plumbing. Names other than `default` and `ROOTCA` are never answered.
import { randomUUID } from 'node:crypto';
import { TypeUrl, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DiscoveryRequest, type DiscoveryResponse } from '@mesh/xds';
import { isKnownSecret, ROOT_SECRET, secretResource, secretVersion, WORKLOAD_SECRET } from './sds-resources.ts';
import type { WorkloadSecret } from './secret-cache.ts';

/** What a request meant, for logging. */
export type RequestKind = 'subscribe' | 'ack' | 'nack' | 'stale';

/** State of one StreamSecrets (SotW) stream. */
export class SotwSecretStream {
  names: string[] = [];
  private lastNonce = '';
  private readonly sent = new Map<string, string>();

  /** Applies a request; returns what it was and the response to send now, if any. */
  onRequest(req: DiscoveryRequest, secret: WorkloadSecret | undefined): { kind: RequestKind; response?: DiscoveryResponse } {
    if (req.response_nonce !== '' && req.response_nonce !== this.lastNonce) return { kind: 'stale' };
    if (req.error_detail) return { kind: 'nack' };
    const names = [...req.resource_names].sort();
    const same = names.length === this.names.length && names.every((n, i) => n === this.names[i]);
    if (req.response_nonce !== '' && same) return { kind: 'ack' };
    this.names = names;
    const response = secret ? this.respond(secret) : undefined;
    return { kind: 'subscribe', ...(response ? { response } : {}) };
  }

  /**
   * The response (every requested known resource, as SotW requires) for the current secret; with `onlyIfChanged`,
   * nothing when none of the requested resources changed since the last response (a rotation leaves ROOTCA alone).
   */
  respond(secret: WorkloadSecret, onlyIfChanged = false): DiscoveryResponse | undefined {
    const names = this.names.filter(isKnownSecret);
    if (names.length === 0) return undefined;
    if (onlyIfChanged && names.every((n) => this.sent.get(n) === secretVersion(n, secret))) return undefined;
    for (const n of names) this.sent.set(n, secretVersion(n, secret));
    this.lastNonce = randomUUID();
    return {
      version_info: `${secret.generation}`,
      resources: names.map((n) => secretResource(n, secret)),
      type_url: TypeUrl.Secret,
      nonce: this.lastNonce,
    };
  }
}

/** State of one DeltaSecrets stream: subscribed names and the version of each resource the client has. */
export class DeltaSecretStream {
  readonly subscribed = new Set<string>();
  private readonly known = new Map<string, string>();

  onRequest(req: DeltaDiscoveryRequest, secret: WorkloadSecret | undefined): { kind: RequestKind; response?: DeltaDiscoveryResponse } {
    if (req.error_detail) return { kind: 'nack' };
    for (const [name, version] of Object.entries(req.initial_resource_versions)) this.known.set(name, version);
    for (const name of req.resource_names_subscribe) {
      if (name === '*') [WORKLOAD_SECRET, ROOT_SECRET].forEach((n) => this.subscribed.add(n));
      else this.subscribed.add(name);
    }
    for (const name of req.resource_names_unsubscribe) {
      this.subscribed.delete(name);
      this.known.delete(name);
    }
    const kind: RequestKind = req.response_nonce !== '' && req.resource_names_subscribe.length === 0 && req.resource_names_unsubscribe.length === 0 ? 'ack' : 'subscribe';
    const response = secret ? this.respond(secret) : undefined;
    return { kind, ...(response ? { response } : {}) };
  }

  /** Sends only the subscribed resources whose version the client does not have yet. */
  respond(secret: WorkloadSecret): DeltaDiscoveryResponse | undefined {
    const changed = [...this.subscribed].filter((n) => isKnownSecret(n) && this.known.get(n) !== secretVersion(n, secret));
    if (changed.length === 0) return undefined;
    for (const n of changed) this.known.set(n, secretVersion(n, secret));
    return {
      system_version_info: `${secret.generation}`,
      resources: changed.map((n) => ({ name: n, version: secretVersion(n, secret), resource: secretResource(n, secret) })),
      type_url: TypeUrl.Secret,
      removed_resources: [],
      nonce: randomUUID(),
    };
  }
}
