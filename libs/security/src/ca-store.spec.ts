import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from './ca.ts';
import { CA_CERT_FILE, CA_KEY_FILE, loadOrCreateFileCa, loadPluggedCa } from './ca-store.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ca-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('loadOrCreateFileCa', () => {
  it('creates a root once and loads the same root on the next start, still able to sign', async () => {
    const dir = join(tempDir(), 'security');
    const first = await loadOrCreateFileCa(dir);
    expect(first.created).toBe(true);
    expect(statSync(join(dir, CA_KEY_FILE)).mode & 0o777).toBe(0o600);
    const second = await loadOrCreateFileCa(dir);
    expect(second.created).toBe(false);
    expect(second.ca.rootPem).toBe(first.ca.rootPem);
    // A certificate issued after the restart chains to the root issued before it.
    const leaf = await second.ca.issue({ uris: ['spiffe://cluster.local/ns/default/sa/a'] });
    expect(new X509Certificate(leaf.certPem).verify(new X509Certificate(first.ca.rootPem).publicKey)).toBe(true);
  });

  it('refuses half a CA or a key of another certificate instead of replacing them', async () => {
    const dir = tempDir();
    const ca = await CertificateAuthority.create();
    writeFileSync(join(dir, CA_CERT_FILE), ca.rootPem);
    await expect(loadOrCreateFileCa(dir)).rejects.toThrow(/ca-key.pem is missing/);
    expect(readFileSync(join(dir, CA_CERT_FILE), 'utf8')).toBe(ca.rootPem);
    const other = await CertificateAuthority.create();
    writeFileSync(join(dir, CA_KEY_FILE), await other.keyPem());
    await expect(loadOrCreateFileCa(dir)).rejects.toThrow(/does not match/);
    writeFileSync(join(dir, CA_KEY_FILE), 'not a key');
    await expect(loadOrCreateFileCa(dir)).rejects.toThrow(/PRIVATE KEY/);
  });

  it('refuses a leaf certificate as the CA', async () => {
    const dir = tempDir();
    const ca = await CertificateAuthority.create();
    const leaf = await ca.issue({ dnsNames: ['x.example'] });
    writeFileSync(join(dir, CA_CERT_FILE), leaf.certPem);
    writeFileSync(join(dir, CA_KEY_FILE), leaf.keyPem);
    await expect(loadOrCreateFileCa(dir)).rejects.toThrow(/not a CA/);
  });
});

describe('loadPluggedCa', () => {
  /** An operator's PKI: a root and an intermediate for the mesh, written as upstream's cacerts files. */
  async function pluggedDir(): Promise<{ dir: string; root: CertificateAuthority; intermediate: { certPem: string; keyPem: string } }> {
    const dir = tempDir();
    const root = await CertificateAuthority.create({ org: 'Operator Root' });
    const intermediate = await root.issue({ commonName: 'mesh intermediate', isCa: true, ttlMs: 365 * 24 * 3600 * 1000 });
    writeFileSync(join(dir, CA_CERT_FILE), intermediate.certPem);
    writeFileSync(join(dir, CA_KEY_FILE), intermediate.keyPem);
    writeFileSync(join(dir, 'root-cert.pem'), root.rootPem);
    writeFileSync(join(dir, 'cert-chain.pem'), intermediate.certPem + root.rootPem);
    return { dir, root, intermediate };
  }

  it('is absent without ca-key.pem', async () => {
    expect(await loadPluggedCa(tempDir())).toBeUndefined();
  });

  it('signs with the intermediate and chains issued certificates through it to the operator root', async () => {
    const { dir, root, intermediate } = await pluggedDir();
    const ca = await loadPluggedCa(dir);
    expect(ca?.rootPem).toBe(root.rootPem);
    const issued = await ca!.issue({ uris: ['spiffe://cluster.local/ns/default/sa/a'] });
    expect(issued.chainPem).toBe(intermediate.certPem + root.rootPem);
    const leaf = new X509Certificate(issued.certPem);
    const mid = new X509Certificate(intermediate.certPem);
    expect(leaf.checkIssued(mid) && leaf.verify(mid.publicKey)).toBe(true);
    expect(mid.verify(new X509Certificate(root.rootPem).publicKey)).toBe(true);
  });

  it('refuses incomplete files and a chain that does not reach the root', async () => {
    const { dir } = await pluggedDir();
    const stranger = await CertificateAuthority.create({ org: 'Somebody Else' });
    writeFileSync(join(dir, 'root-cert.pem'), stranger.rootPem);
    await expect(loadPluggedCa(dir)).rejects.toThrow(/is not signed by/);
    rmSync(join(dir, 'root-cert.pem'));
    await expect(loadPluggedCa(dir)).rejects.toThrow(/root-cert.pem is missing/);
  });
});
