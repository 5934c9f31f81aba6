import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from './ca.ts';
import { CA_CERT_FILE, CA_KEY_FILE, loadOrCreateFileCa } from './ca-store.ts';

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
