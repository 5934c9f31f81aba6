// In a cluster, istiod's self-signed root lives in the `istio-ca-secret` Secret of its namespace (type
// istio.io/ca-root, keys ca-cert.pem and ca-key.pem), as upstream keeps it: every istiod replica and every restart
// signs with the same root, so running workloads keep trusting each other.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { CA_CERT_FILE, CA_KEY_FILE, CertificateAuthority } from '@mesh/security';

export const CA_SECRET_NAME = 'istio-ca-secret';
const CA_SECRET_TYPE = 'istio.io/ca-root';

function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
  const code = e.code ?? e.statusCode ?? e.response?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

async function readSecret(api: CoreV1Api, namespace: string): Promise<V1Secret | undefined> {
  try {
    return await api.readNamespacedSecret({ name: CA_SECRET_NAME, namespace });
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

async function fromSecret(secret: V1Secret, namespace: string): Promise<CertificateAuthority> {
  const cert = secret.data?.[CA_CERT_FILE];
  const key = secret.data?.[CA_KEY_FILE];
  if (!cert || !key) throw new Error(`Secret ${namespace}/${CA_SECRET_NAME}: data.${cert ? CA_KEY_FILE : CA_CERT_FILE} is missing`);
  try {
    return await CertificateAuthority.fromPem(Buffer.from(cert, 'base64').toString('utf8'), Buffer.from(key, 'base64').toString('utf8'));
  } catch (err) {
    throw new Error(`Secret ${namespace}/${CA_SECRET_NAME}: ${(err as Error).message}`, { cause: err });
  }
}

export interface SecretCa {
  ca: CertificateAuthority;
  /** True when this istiod made the root. */
  created: boolean;
  /** Why a new root could not be stored (it then lives only as long as this process), or undefined when it is stored. */
  notStored?: string;
}

/**
 * The root kept in istio-ca-secret, or a new one stored there (another replica's root wins a creation race). A Secret
 * that exists but does not hold a usable CA is an error: it is never replaced.
 */
export async function loadOrCreateSecretCa(kc: KubeConfig, namespace: string, opts: { org?: string } = {}): Promise<SecretCa> {
  const api = kc.makeApiClient(CoreV1Api);
  const existing = await readSecret(api, namespace);
  if (existing) return { ca: await fromSecret(existing, namespace), created: false };
  const ca = await CertificateAuthority.create(opts);
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: CA_SECRET_TYPE,
    metadata: { name: CA_SECRET_NAME, namespace },
    data: { [CA_CERT_FILE]: Buffer.from(ca.certPem).toString('base64'), [CA_KEY_FILE]: Buffer.from(await ca.keyPem()).toString('base64') },
  };
  try {
    await api.createNamespacedSecret({ namespace, body });
    return { ca, created: true };
  } catch (err) {
    const status = statusOf(err);
    if (status === 409) {
      const winner = await readSecret(api, namespace);
      if (!winner) throw new Error(`Secret ${namespace}/${CA_SECRET_NAME}: creation conflicted but the Secret cannot be read`, { cause: err });
      return { ca: await fromSecret(winner, namespace), created: false };
    }
    // No namespace yet, or no permission: serve with this root rather than not at all, and say so.
    return { ca, created: true, notStored: `creating Secret ${namespace}/${CA_SECRET_NAME} failed${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}` };
  }
}
