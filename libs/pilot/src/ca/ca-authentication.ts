// Chooses the CA's authenticators for istiod's mode: Kubernetes (TokenReview) or local (istiod's own token issuer,
// whose key and the mesh root cert are written to a security directory the local runner reads).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { LocalTokenIssuer, type CertificateAuthority } from '@mesh/security';
import { ClientCertAuthenticator, KubeJwtAuthenticator, LocalJwtAuthenticator, type Authenticator } from './authenticators.ts';
import { kubeTokenReviewer } from './token-review.ts';

export interface CaAuthenticationOptions {
  ca: CertificateAuthority;
  trustDomain: () => string;
  /** Local mode: where the issuer key (issuer-key.pem, issuer-pub.pem) and root-cert.pem live. */
  localSecurityDir?: string;
  /** Kubernetes mode: the cluster that reviews tokens. */
  kubeConfig?: KubeConfig;
}

export interface CaAuthentication {
  authenticators: Authenticator[];
  /** The local issuer (local mode), for minting tokens in-process. */
  issuer?: LocalTokenIssuer;
}

/** Builds the authenticators (JWT first, then client certificates) and, in local mode, writes root-cert.pem. */
export async function setupCaAuthentication(o: CaAuthenticationOptions): Promise<CaAuthentication> {
  const authenticators: Authenticator[] = [];
  let issuer: LocalTokenIssuer | undefined;
  if (o.localSecurityDir !== undefined) {
    issuer = await LocalTokenIssuer.loadOrCreate(o.localSecurityDir);
    writeFileSync(join(o.localSecurityDir, 'root-cert.pem'), o.ca.rootPem);
    authenticators.push(new LocalJwtAuthenticator(issuer, o.trustDomain));
  }
  if (o.kubeConfig !== undefined) authenticators.push(new KubeJwtAuthenticator(kubeTokenReviewer(o.kubeConfig), o.trustDomain));
  authenticators.push(new ClientCertAuthenticator(o.trustDomain));
  return { authenticators, ...(issuer ? { issuer } : {}) };
}
