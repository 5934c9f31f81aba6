// Checks a Secret resource before it is accepted (the SDS client NACKs what fails): a tls_certificate must be a
// certificate chain with its matching private key, a validation_context's trusted_ca must parse as certificates.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { ConfigError, obj, type Json } from '../config/json-reader.ts';
import { dataSource } from './compile-tls.ts';

function reason(e: unknown): string {
  return e instanceof ConfigError ? `${e.path}: ${e.reason}` : (e as Error).message;
}

function checkCertificate(secret: Json): string[] {
  const tc = obj(secret['tls_certificate'], 'tls_certificate');
  const cert = dataSource(tc['certificate_chain'], 'tls_certificate.certificate_chain');
  const key = dataSource(tc['private_key'], 'tls_certificate.private_key');
  if (cert === undefined) return ['tls_certificate.certificate_chain: is required'];
  if (key === undefined) return ['tls_certificate.private_key: is required'];
  try {
    createSecureContext({ cert, key });
    return [];
  } catch (e) {
    return [`tls_certificate: the chain and private key are not a usable pair: ${(e as Error).message}`];
  }
}

function checkValidation(secret: Json): string[] {
  const vc = obj(secret['validation_context'], 'validation_context');
  const ca = dataSource(vc['trusted_ca'], 'validation_context.trusted_ca');
  if (ca === undefined) return [];
  const blocks = ca.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return ['validation_context.trusted_ca: not a PEM certificate bundle: no CERTIFICATE block'];
  try {
    for (const pem of blocks) new X509Certificate(pem);
    createSecureContext({ ca });
    return [];
  } catch (e) {
    return [`validation_context.trusted_ca: not a PEM certificate bundle: ${(e as Error).message}`];
  }
}

/** Errors that make a Secret unusable for TLS ([] when it is usable). */
export function checkSecret(secret: Json): string[] {
  const kinds = ['tls_certificate', 'validation_context', 'generic_secret', 'session_ticket_keys'].filter((k) => secret[k] !== undefined);
  if (kinds.length === 0) return ['one of tls_certificate, validation_context, generic_secret or session_ticket_keys is required'];
  const errors: string[] = [];
  for (const [kind, check] of [['tls_certificate', checkCertificate], ['validation_context', checkValidation]] as const) {
    if (secret[kind] === undefined) continue;
    try {
      errors.push(...check(secret));
    } catch (e) {
      errors.push(reason(e));
    }
  }
  return errors;
}
