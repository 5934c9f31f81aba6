// PEM bundle helpers: the CA response carries one certificate per entry; SDS and TLS want concatenated PEM.
import { X509Certificate } from 'node:crypto';

const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle into its certificates, each ending with a newline. */
export function splitPemCertificates(bundle: string): string[] {
  return (bundle.match(CERT_RE) ?? []).map((c) => `${c}\n`);
}

/** Validity window of the first certificate of a PEM bundle. */
export function certificateValidity(pem: string): { notBefore: Date; notAfter: Date } {
  const cert = new X509Certificate(pem);
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/** The URI SANs of the first certificate of a PEM bundle (e.g. its SPIFFE id). */
export function certificateUris(pem: string): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  return san
    .split(/,\s*/)
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}
