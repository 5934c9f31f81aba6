import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CertificateAuthority,
  decodeCertificateRequest,
  decodeCertificateResponse,
  encodeCertificateRequest,
  encodeCertificateResponse,
  LocalTokenIssuer,
  mintLocalToken,
  splitPemCertificates,
  certificateUris,
  certificateValidity,
} from './index.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('CA wire protocol', () => {
  it('round-trips requests with metadata and responses', () => {
    const bytes = encodeCertificateRequest({ csr: 'PEM', validityDurationSeconds: 3600, metadata: { ClusterID: 'Kubernetes' } });
    expect(decodeCertificateRequest(bytes)).toEqual({ csr: 'PEM', validityDurationSeconds: 3600, metadata: { ClusterID: 'Kubernetes' } });
    expect(decodeCertificateResponse(encodeCertificateResponse({ certChain: ['a', 'b'] }))).toEqual({ certChain: ['a', 'b'] });
  });

  it('reports malformed bytes instead of returning garbage', () => {
    expect(() => decodeCertificateRequest(Buffer.from([0x0a, 0xff, 0xff, 0xff]))).toThrow(/malformed IstioCertificateRequest/);
  });
});

describe('LocalTokenIssuer', () => {
  it('mints tokens that verify, persists its key, and rejects wrong audience, tampering and other keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'issuer-'));
    dirs.push(dir);
    const issuer = await LocalTokenIssuer.loadOrCreate(dir);
    expect(statSync(join(dir, 'issuer-key.pem')).mode & 0o777).toBe(0o600);
    const token = await mintLocalToken(dir, { namespace: 'default', serviceAccount: 'bookinfo-productpage' });
    expect(await issuer.verify(token)).toEqual({ namespace: 'default', serviceAccount: 'bookinfo-productpage' });
    // a second load reuses the same key
    const again = await LocalTokenIssuer.loadOrCreate(dir);
    expect(await again.verify(token)).toEqual({ namespace: 'default', serviceAccount: 'bookinfo-productpage' });

    await expect(issuer.verify(await issuer.mint({ namespace: 'a', serviceAccount: 'b' }, { audience: 'other' }))).rejects.toThrow(/aud/);
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
    await expect(issuer.verify(`${h}.${forged}.${s}`)).rejects.toThrow(/signature/);
    const otherDir = mkdtempSync(join(tmpdir(), 'issuer-'));
    dirs.push(otherDir);
    const other = await LocalTokenIssuer.loadOrCreate(otherDir);
    await expect(other.verify(token)).rejects.toThrow(/signature/);
  });
});

describe('PEM helpers', () => {
  it('splits bundles and reads SANs and validity', async () => {
    const ca = await CertificateAuthority.create();
    const leaf = await ca.issue({ uris: ['spiffe://cluster.local/ns/default/sa/x'], ttlMs: 3600_000 });
    const parts = splitPemCertificates(leaf.certPem + ca.rootPem);
    expect(parts).toHaveLength(2);
    expect(certificateUris(parts[0]!)).toEqual(['spiffe://cluster.local/ns/default/sa/x']);
    const v = certificateValidity(parts[0]!);
    expect(v.notAfter.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(v.notAfter.getTime() - Date.now()).toBeLessThan(3700_000);
  });
});
