// The projected service-account token a pod's istio-proxy presents to istiod's CA. Without Kubernetes, istiod
// (local mode) trusts tokens signed by the issuer key it keeps in `<configDir>-security`; the runner mints one per
// pod with that key, shaped like a Kubernetes token (sub system:serviceaccount:<ns>:<sa>, aud istio-ca), ES256.
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Claims of istiod's local token issuer (libs/security local-issuer), which verifies what this mints. */
const issuer = 'istiod.local';
const audience = 'istio-ca';

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** Mints a token for `namespace/serviceAccount` with the issuer key in `securityDir`; valid for `ttlSeconds`. */
export function mintWorkloadToken(securityDir: string, namespace: string, serviceAccount: string, ttlSeconds = 24 * 3600): string {
  const keyPath = join(securityDir, 'issuer-key.pem');
  let key: string;
  try {
    key = readFileSync(keyPath, 'utf8');
  } catch (err) {
    throw new Error(`workload token for ${namespace}/${serviceAccount}: istiod's issuer key ${keyPath} is not readable (is istiod started?): ${(err as Error).message}`);
  }
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount } },
      iss: issuer,
      sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
      aud: audience,
      iat: now,
      exp: now + ttlSeconds,
    }),
  );
  // JWS ES256 signatures are r||s (IEEE P1363), not DER.
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${b64url(signature)}`;
}
