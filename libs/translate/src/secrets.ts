// SDS secrets istiod serves itself: gateway credentialName Secrets as `kubernetes://<name>` (and `-cacert`).
import type { Secret } from '@mesh/api';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from './context.ts';

function field(s: Secret, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const b64 = s.data?.[k];
    if (b64) return b64;
    const plain = s.stringData?.[k];
    if (plain) return Buffer.from(plain).toString('base64');
  }
  return undefined;
}

/** Secrets for the given `namespace/name` credential references that exist in the snapshot. */
export function buildSecrets(ctx: ProxyContext, credentials: readonly string[]): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const ref of credentials) {
    const secret = ctx.snapshot.secrets.get(ref);
    if (!secret) continue;
    const name = ref.slice(ref.indexOf('/') + 1);
    const cert = field(secret, 'tls.crt', 'cert');
    const key = field(secret, 'tls.key', 'key');
    if (cert && key) {
      out.push({ name: `kubernetes://${name}`, tls_certificate: { certificate_chain: { inline_bytes: cert }, private_key: { inline_bytes: key } } });
    }
    const ca = field(secret, 'ca.crt', 'cacert');
    const caSecret = ca ? secret : ctx.snapshot.secrets.get(`${ref}-cacert`);
    const caData = ca ?? (caSecret ? field(caSecret, 'ca.crt', 'cacert') : undefined);
    if (caData) out.push({ name: `kubernetes://${name}-cacert`, validation_context: { trusted_ca: { inline_bytes: caData } } });
  }
  return out;
}
