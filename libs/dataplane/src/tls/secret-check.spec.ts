import { describe, expect, it } from 'vitest';
import { CertificateAuthority } from '@mesh/security';
import { checkSecret } from './secret-check.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('checkSecret', () => {
  it('accepts a matching chain and key, and a PEM trust bundle', async () => {
    const ca = await CertificateAuthority.create();
    const leaf = await ca.issue({ uris: ['spiffe://cluster.local/ns/default/sa/a'] });
    expect(checkSecret({ name: 'default', tls_certificate: { certificate_chain: { inline_bytes: b64(leaf.certPem) }, private_key: { inline_bytes: b64(leaf.keyPem) } } })).toEqual([]);
    expect(checkSecret({ name: 'ROOTCA', validation_context: { trusted_ca: { inline_bytes: b64(ca.rootPem) } } })).toEqual([]);
  });

  it('rejects a key that does not belong to the certificate, garbage CA text and empty secrets', async () => {
    const ca = await CertificateAuthority.create();
    const a = await ca.issue({ uris: ['spiffe://cluster.local/ns/default/sa/a'] });
    const b = await ca.issue({ uris: ['spiffe://cluster.local/ns/default/sa/b'] });
    const mismatched = checkSecret({ name: 'default', tls_certificate: { certificate_chain: { inline_string: a.certPem }, private_key: { inline_string: b.keyPem } } });
    expect(mismatched[0]).toMatch(/^tls_certificate: the chain and private key are not a usable pair/);
    expect(checkSecret({ name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: 'not a certificate' } } })[0]).toMatch(/^validation_context.trusted_ca: not a PEM certificate bundle/);
    expect(checkSecret({ name: 'x', tls_certificate: { certificate_chain: { inline_string: a.certPem } } })).toEqual(['tls_certificate.private_key: is required']);
    expect(checkSecret({ name: 'x' })).toEqual(['one of tls_certificate, validation_context, generic_secret or session_ticket_keys is required']);
  });
});
