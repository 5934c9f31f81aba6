// Keeps istiod's self-signed root across restarts in local mode: the CA certificate and key live in the security
// directory as ca-cert.pem and ca-key.pem (the key names of upstream's istio-ca-secret). A restarted istiod that
// minted a new root would leave every running workload with certificates its peers no longer trust.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority } from './ca.ts';

export const CA_CERT_FILE = 'ca-cert.pem';
export const CA_KEY_FILE = 'ca-key.pem';

/** The CA kept in `dir`, or a new one written there when the directory holds none. */
export async function loadOrCreateFileCa(dir: string, opts: { org?: string } = {}): Promise<{ ca: CertificateAuthority; created: boolean }> {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const haveCert = existsSync(certPath);
  const haveKey = existsSync(keyPath);
  if (haveCert && haveKey) {
    try {
      return { ca: await CertificateAuthority.fromPem(readFileSync(certPath, 'utf8'), readFileSync(keyPath, 'utf8')), created: false };
    } catch (err) {
      throw new Error(`CA in ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  // Half a CA is somebody's data: refuse rather than overwrite it with a new root.
  if (haveCert !== haveKey) throw new Error(`CA in ${dir}: ${haveCert ? CA_KEY_FILE : CA_CERT_FILE} is missing next to ${haveCert ? CA_CERT_FILE : CA_KEY_FILE}`);
  const ca = await CertificateAuthority.create(opts);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomic(keyPath, await ca.keyPem(), 0o600);
  writeAtomic(certPath, ca.certPem, 0o644);
  return { ca, created: true };
}

/**
 * The operator's CA plugged in as files (upstream's `cacerts` Secret mounted at /etc/cacerts): ca-cert.pem,
 * ca-key.pem, root-cert.pem and optionally cert-chain.pem. Undefined when `dir` holds no ca-key.pem; an error when
 * the files are incomplete or do not form a chain to the root.
 */
export async function loadPluggedCa(dir: string): Promise<CertificateAuthority | undefined> {
  if (!existsSync(join(dir, CA_KEY_FILE))) return undefined;
  const optional = (name: string): string | undefined => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);
  const required = (name: string): string => {
    const text = optional(name);
    if (text === undefined) throw new Error(`plugged-in CA in ${dir}: ${name} is missing`);
    return text;
  };
  const pem = { certPem: required(CA_CERT_FILE), keyPem: required(CA_KEY_FILE), rootPem: required('root-cert.pem') };
  const certChainPem = optional('cert-chain.pem');
  try {
    return await CertificateAuthority.fromPlugged({ ...pem, ...(certChainPem !== undefined ? { certChainPem } : {}) });
  } catch (err) {
    throw new Error(`plugged-in CA in ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}
