// How istiod's CA learns who is calling: a bearer JWT (verified by a Kubernetes TokenReview, or by istiod's local
// issuer in local mode) or a client certificate the mesh CA issued. Each authenticator either returns the caller's
// verified SPIFFE identities (in the mesh's current trust domain) or throws with the reason (logged, never sent back: the client only sees UNAUTHENTICATED).
import type { PeerCertificate } from 'node:tls';
import type { Metadata } from '@grpc/grpc-js';
import { CA_AUDIENCE, parseSpiffeId, spiffeId, type LocalTokenIssuer, type ServiceAccountIdentity } from '@mesh/security';

/** What an authenticator sees of a call. */
export interface CallCredentials {
  metadata: Metadata;
  /** The TLS peer certificate, present only when it verified against the mesh root. */
  peerCertificate?: PeerCertificate;
}

/** A verified caller. */
export interface Caller {
  identities: string[];
  authenticator: string;
}

export interface Authenticator {
  readonly name: string;
  /** Returns undefined when the call carries no credential of this kind; throws when it carries a bad one. */
  authenticate(call: CallCredentials): Promise<Caller | undefined>;
}

/** The token of an `authorization: Bearer <token>` header, if any. */
export function bearerToken(metadata: Metadata): string | undefined {
  for (const value of metadata.get('authorization')) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(String(value));
    if (m) return m[1];
  }
  return undefined;
}

/** Tries each authenticator in order; the first that recognises a credential decides. Throws if none accepts. */
export async function authenticate(call: CallCredentials, authenticators: readonly Authenticator[]): Promise<Caller> {
  const reasons: string[] = [];
  for (const a of authenticators) {
    try {
      const caller = await a.authenticate(call);
      if (caller && caller.identities.length > 0) return caller;
    } catch (err) {
      reasons.push(`${a.name}: ${(err as Error).message}`);
    }
  }
  throw new Error(reasons.length > 0 ? reasons.join('; ') : 'no credential (want authorization: Bearer <token> or a mesh client certificate)');
}

function identityOf(trustDomain: string, id: ServiceAccountIdentity): string {
  return spiffeId(trustDomain, id.namespace, id.serviceAccount);
}

/** Local mode: JWTs signed by istiod's own issuer key (audience istio-ca). */
export class LocalJwtAuthenticator implements Authenticator {
  readonly name = 'local-jwt';
  private readonly issuer: LocalTokenIssuer;
  private readonly trustDomain: () => string;

  constructor(issuer: LocalTokenIssuer, trustDomain: () => string) {
    this.issuer = issuer;
    this.trustDomain = trustDomain;
  }

  async authenticate(call: CallCredentials): Promise<Caller | undefined> {
    const token = bearerToken(call.metadata);
    if (token === undefined) return undefined;
    return { identities: [identityOf(this.trustDomain(), await this.issuer.verify(token, CA_AUDIENCE))], authenticator: this.name };
  }
}

/** The result of asking Kubernetes about a token. */
export interface TokenReviewResult {
  authenticated: boolean;
  username?: string;
  audiences?: string[];
  error?: string;
}

/** Kubernetes mode: the token is checked with a TokenReview for audience istio-ca. */
export class KubeJwtAuthenticator implements Authenticator {
  readonly name = 'kube-jwt';
  private readonly review: (token: string, audiences: string[]) => Promise<TokenReviewResult>;
  private readonly trustDomain: () => string;

  constructor(review: (token: string, audiences: string[]) => Promise<TokenReviewResult>, trustDomain: () => string) {
    this.review = review;
    this.trustDomain = trustDomain;
  }

  async authenticate(call: CallCredentials): Promise<Caller | undefined> {
    const token = bearerToken(call.metadata);
    if (token === undefined) return undefined;
    const result = await this.review(token, [CA_AUDIENCE]);
    if (!result.authenticated) throw new Error(`token review: not authenticated${result.error ? ` (${result.error})` : ''}`);
    if (result.audiences && !result.audiences.includes(CA_AUDIENCE)) throw new Error(`token review: audiences ${JSON.stringify(result.audiences)} lack ${CA_AUDIENCE}`);
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(result.username ?? '');
    if (!m) throw new Error(`token review: user "${result.username ?? ''}" is not a service account`);
    return { identities: [identityOf(this.trustDomain(), { namespace: m[1]!, serviceAccount: m[2]! })], authenticator: this.name };
  }
}

/** mTLS: the SPIFFE URI SANs of a client certificate that chained to the mesh root. */
export class ClientCertAuthenticator implements Authenticator {
  readonly name = 'client-cert';
  private readonly trustDomain: () => string;

  constructor(trustDomain: () => string) {
    this.trustDomain = trustDomain;
  }

  async authenticate(call: CallCredentials): Promise<Caller | undefined> {
    const san = call.peerCertificate?.subjectaltname;
    if (!san) return undefined;
    const trustDomain = this.trustDomain();
    const ids = san
      .split(/,\s*/)
      .filter((s) => s.startsWith('URI:'))
      .map((s) => s.slice(4))
      .filter((uri) => parseSpiffeId(uri)?.trustDomain === trustDomain);
    if (ids.length === 0) throw new Error(`client certificate has no spiffe://${trustDomain}/ns/<ns>/sa/<sa> URI SAN`);
    return { identities: ids, authenticator: this.name };
  }
}
