// The two secrets Envoy asks the agent for, as envoy.extensions.transport_sockets.tls.v3.Secret resources:
// `default` (tls_certificate: chain + key) and `ROOTCA` (validation_context.trusted_ca), inline bytes as upstream.
import { createHash } from 'node:crypto';
import { packAny, TypeUrl, type PackedAny } from '@mesh/xds';
import type { WorkloadSecret } from './secret-cache.ts';

/** Secret name of the workload certificate chain and key. */
export const WORKLOAD_SECRET = 'default';
/** Secret name of the trust bundle. */
export const ROOT_SECRET = 'ROOTCA';

const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

/** True for the names this SDS server can answer. */
export function isKnownSecret(name: string): boolean {
  return name === WORKLOAD_SECRET || name === ROOT_SECRET;
}

/** A per-resource version: the certificate generation for `default`, a digest of the bundle for `ROOTCA`. */
export function secretVersion(name: string, s: WorkloadSecret): string {
  if (name === WORKLOAD_SECRET) return String(s.generation);
  return createHash('sha256').update(s.rootPem).digest('hex').slice(0, 16);
}

/** The Secret resource for a known name. */
export function secretResource(name: string, s: WorkloadSecret): PackedAny {
  if (name === WORKLOAD_SECRET) {
    return packAny({
      '@type': TypeUrl.Secret,
      name,
      tls_certificate: { certificate_chain: { inline_bytes: b64(s.certChainPem) }, private_key: { inline_bytes: b64(s.keyPem) } },
    });
  }
  return packAny({ '@type': TypeUrl.Secret, name, validation_context: { trusted_ca: { inline_bytes: b64(s.rootPem) } } });
}
