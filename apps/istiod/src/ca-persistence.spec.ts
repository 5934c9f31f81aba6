// istiod keeps its self-signed root across restarts (local mode: the security directory), so workloads certified
// before a restart still chain to the root istiod serves after it. Observed end to end: the root is read from the
// certificate chain istiod presents on its TLS xDS/CA port.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { IstiodProcess } from './istiod-process.test-util.ts';

/** The DER of the root at the end of the chain istiod presents on `port`. */
function servedRoot(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      let cert = socket.getPeerCertificate(true);
      while (cert.issuerCertificate && cert.issuerCertificate !== cert && cert.issuerCertificate.fingerprint256 !== cert.fingerprint256) cert = cert.issuerCertificate;
      socket.destroy();
      resolve(cert.raw);
    });
    socket.once('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no TLS handshake within 5 s')));
  });
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
