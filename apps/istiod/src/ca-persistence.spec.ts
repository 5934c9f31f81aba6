// istiod keeps its self-signed root across restarts (local mode: the security directory), so workloads certified
// before a restart still chain to the root istiod serves after it. Observed end to end: the root is read from the
// certificate chain istiod presents on its TLS xDS/CA port.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '@mesh/security';
import { IstiodProcess } from './istiod-process.test-util.ts';

/** The certificate chain istiod presents on `port`, leaf first. */
function servedChain(port: number): Promise<X509Certificate[]> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      const chain: X509Certificate[] = [];
      let cert = socket.getPeerCertificate(true);
      for (;;) {
        chain.push(new X509Certificate(cert.raw));
        const next = cert.issuerCertificate as typeof cert | undefined;
        if (!next || next.fingerprint256 === cert.fingerprint256) break;
        cert = next;
      }
      socket.destroy();
      resolve(chain);
    });
    socket.once('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no TLS handshake within 5 s')));
  });
}

/** The DER of the root at the end of the chain istiod presents on `port`. */
async function servedRoot(port: number): Promise<Buffer> {
  return (await servedChain(port)).at(-1)!.raw;
}

describe('istiod CA root persistence (local mode)', () => {
  const configDir = mkdtempSync(join(tmpdir(), 'istiod-ca-'));
  const istiod = new IstiodProcess({ configDir });
  afterAll(async () => {
    await istiod.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('serves the same self-signed root after a restart', async () => {
    const first = await istiod.start();
    expect(first.secureGrpc).toBeGreaterThan(0);
    const before = await servedRoot(first.secureGrpc!);
    const root = new X509Certificate(before);
    expect(root.ca).toBe(true);
    expect(root.subject).toContain('O=cluster.local');
    expect(istiod.logs).toContain('ca: new self-signed root stored');

    const second = await istiod.restart();
    const after = await servedRoot(second.secureGrpc!);
    expect(after.equals(before)).toBe(true);
    expect(istiod.logs).toContain('ca: root loaded');
  }, 60_000);
});

describe('istiod with a plugged-in CA (ROOT_CA_DIR, upstream cacerts files)', () => {
  const configDir = mkdtempSync(join(tmpdir(), 'istiod-plugged-'));
  const cacerts = mkdtempSync(join(tmpdir(), 'istiod-cacerts-'));
  const istiod = new IstiodProcess({ configDir, env: { ROOT_CA_DIR: cacerts } });
  afterAll(async () => {
    await istiod.close();
    rmSync(configDir, { recursive: true, force: true });
    rmSync(cacerts, { recursive: true, force: true });
  });

  it('signs with the operator intermediate and presents the chain up to the operator root', async () => {
    const root = await CertificateAuthority.create({ org: 'Operator Root' });
    const intermediate = await root.issue({ commonName: 'mesh intermediate', isCa: true, ttlMs: 30 * 24 * 3600 * 1000 });
    writeFileSync(join(cacerts, 'ca-cert.pem'), intermediate.certPem);
    writeFileSync(join(cacerts, 'ca-key.pem'), intermediate.keyPem);
    writeFileSync(join(cacerts, 'root-cert.pem'), root.rootPem);
    writeFileSync(join(cacerts, 'cert-chain.pem'), intermediate.certPem + root.rootPem);

    const ports = await istiod.start();
    expect(istiod.logs).toContain('"plugged":true');
    const chain = await servedChain(ports.secureGrpc!);
    // istiod's serving certificate, issued by the intermediate, then the intermediate, then the operator root.
    expect(chain).toHaveLength(3);
    expect(chain.slice(1).map((c) => c.subject)).toEqual(['CN=mesh intermediate', 'O=Operator Root']);
    expect(chain[0]!.verify(chain[1]!.publicKey)).toBe(true);
    expect(chain[1]!.verify(chain[2]!.publicKey)).toBe(true);
    expect(chain[2]!.raw.equals(new X509Certificate(root.rootPem).raw)).toBe(true);
  }, 60_000);

  it('refuses to start on a plugged-in CA that does not chain to its root, saying why', async () => {
    const stranger = await CertificateAuthority.create({ org: 'Somebody Else' });
    writeFileSync(join(cacerts, 'root-cert.pem'), stranger.rootPem);
    await istiod.stop();
    await expect(istiod.start()).rejects.toThrow(/exited \(code 1\) before ready:.*plugged-in CA in .*is not signed by/s);
  }, 60_000);
});
