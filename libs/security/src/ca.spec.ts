import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority, createCsr, parseSpiffeId, spiffeId } from './index.ts';

describe('CertificateAuthority', () => {
  it('issues serving certificates that verify against its root in a real TLS handshake (mTLS)', async () => {
    const ca = await CertificateAuthority.create({ org: 'cluster.local' });
    const server = await ca.issue({ dnsNames: ['istiod.istio-system.svc'] });
    const client = await ca.issue({ uris: [spiffeId('cluster.local', 'default', 'sleep')] });
    const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: ca.rootPem, requestCert: true, rejectUnauthorized: true }, (s) => {
      const peer = s.getPeerCertificate();
      s.end(String(peer.subjectaltname));
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as { port: number }).port;
    const sock = tls.connect({ port, host: '127.0.0.1', servername: 'istiod.istio-system.svc', ca: ca.rootPem, cert: client.certPem, key: client.keyPem });
    let data = '';
    sock.on('data', (d) => (data += d));
    await once(sock, 'end');
    srv.close();
    expect(sock.authorized).toBe(true);
    expect(data).toBe('URI:spiffe://cluster.local/ns/default/sa/sleep');
  });

  it('signs a CSR with the identities the caller verified, not the ones the CSR asks for', async () => {
    const ca = await CertificateAuthority.create();
    const { csrPem } = await createCsr({ uris: ['spiffe://cluster.local/ns/evil/sa/admin'] });
    const certPem = await ca.signCsr(csrPem, { uris: ['spiffe://cluster.local/ns/default/sa/reviews'], ttlMs: 3600_000 });
    const cert = new X509Certificate(certPem);
    expect(cert.subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/reviews');
    expect(cert.verify(new X509Certificate(ca.rootPem).publicKey)).toBe(true);
    await expect(ca.signCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----', {})).rejects.toThrow();
  });

  it('parses SPIFFE ids', () => {
    expect(parseSpiffeId('spiffe://td/ns/a/sa/b')).toEqual({ trustDomain: 'td', namespace: 'a', serviceAccount: 'b' });
    expect(parseSpiffeId('spiffe://td/x')).toBeUndefined();
  });
});
