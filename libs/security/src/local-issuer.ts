// istiod's local token issuer: in local mode (no Kubernetes, so no TokenReview) workloads authenticate to the CA
// with a JWT shaped like a projected service-account token (sub system:serviceaccount:<ns>:<sa>, aud istio-ca),
// signed by a key pair that istiod keeps beside its config directory. The local runner mints tokens with the same key.
import { createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, jwtVerify, SignJWT, type CryptoKey } from 'jose';

/** The issuer name of locally minted tokens. */
export const LOCAL_ISSUER = 'istiod.local';
/** The audience the CA requires, as upstream (projected token audience). */
export const CA_AUDIENCE = 'istio-ca';
const ALG = 'ES256';
const KEY_FILE = 'issuer-key.pem';
const PUBLIC_KEY_FILE = 'issuer-pub.pem';

/** A workload identity proven by a token. */
export interface ServiceAccountIdentity {
  namespace: string;
  serviceAccount: string;
}

/** The directory istiod uses for its local-mode security material (issuer key, root-cert.pem): `<configDir>-security`. */
export function localSecurityDir(configDir: string): string {
  return `${resolve(configDir)}-security`;
}

/** Parses a Kubernetes service-account username `system:serviceaccount:<ns>:<sa>`. */
export function parseServiceAccountUser(user: string): ServiceAccountIdentity | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  return m ? { namespace: m[1]!, serviceAccount: m[2]! } : undefined;
}

function writeAtomically(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export class LocalTokenIssuer {
  private readonly privateKey: CryptoKey | undefined;
  private readonly publicKey: CryptoKey;

  private constructor(publicKey: CryptoKey, privateKey: CryptoKey | undefined) {
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  /** Loads the issuer key from `dir`, creating it (mode 0600) when absent, so tokens survive istiod restarts. */
  static async loadOrCreate(dir: string): Promise<LocalTokenIssuer> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const existing = readOrUndefined(join(dir, KEY_FILE));
    if (existing !== undefined) return LocalTokenIssuer.fromPrivateKeyPem(existing);
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    // public first: a reader that sees the private key can always find the public one
    writeAtomically(join(dir, PUBLIC_KEY_FILE), await exportSPKI(publicKey), 0o644);
    writeAtomically(join(dir, KEY_FILE), await exportPKCS8(privateKey), 0o600);
    // another process may have won the race: use whatever is on disk now
    return LocalTokenIssuer.fromPrivateKeyPem(readFileSync(join(dir, KEY_FILE), 'utf8'));
  }

  /** An issuer that can mint and verify, from the PKCS#8 PEM private key. */
  static async fromPrivateKeyPem(pem: string): Promise<LocalTokenIssuer> {
    const privateKey = await importPKCS8(pem, ALG, { extractable: true });
    const spki = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
    return new LocalTokenIssuer(await importSPKI(spki, ALG), privateKey);
  }

  /** A verify-only issuer from the SPKI PEM public key. */
  static async fromPublicKeyPem(pem: string): Promise<LocalTokenIssuer> {
    return new LocalTokenIssuer(await importSPKI(pem, ALG), undefined);
  }

  /** Mints a token for a service account, shaped like a projected Kubernetes token. */
  async mint(id: ServiceAccountIdentity, opts: { audience?: string; ttlSeconds?: number } = {}): Promise<string> {
    if (this.privateKey === undefined) throw new Error('this LocalTokenIssuer was loaded from a public key and cannot mint tokens');
    return new SignJWT({ 'kubernetes.io': { namespace: id.namespace, serviceaccount: { name: id.serviceAccount } } })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setIssuer(LOCAL_ISSUER)
      .setSubject(`system:serviceaccount:${id.namespace}:${id.serviceAccount}`)
      .setAudience(opts.audience ?? CA_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${opts.ttlSeconds ?? 24 * 3600}s`)
      .sign(this.privateKey);
  }

  /** Verifies signature, issuer, audience and expiry; returns the service account or throws with the reason. */
  async verify(token: string, audience = CA_AUDIENCE): Promise<ServiceAccountIdentity> {
    const { payload } = await jwtVerify(token, this.publicKey, { issuer: LOCAL_ISSUER, audience, algorithms: [ALG] });
    const id = parseServiceAccountUser(payload.sub ?? '');
    if (!id) throw new Error(`token subject "${payload.sub ?? ''}" is not a service account (want system:serviceaccount:<ns>:<sa>)`);
    return id;
  }
}

/** Mints a local-mode token with the issuer key istiod keeps in `securityDir` (for the local runner and tests). */
export async function mintLocalToken(securityDir: string, id: ServiceAccountIdentity, opts: { audience?: string; ttlSeconds?: number } = {}): Promise<string> {
  const pem = readFileSync(join(securityDir, KEY_FILE), 'utf8');
  return (await LocalTokenIssuer.fromPrivateKeyPem(pem)).mint(id, opts);
}
