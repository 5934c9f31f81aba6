// x-forwarded-client-cert (XFCC) handling of the HTTP connection manager: forward_client_cert_details and
// set_current_client_cert_details, as Istio configures them on inbound listeners.
import { X509Certificate, createHash } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { bool, enumOf, obj, type Json } from '../config/json-reader.ts';
import { peerSans } from '../tls/san-verify.ts';

export type ForwardClientCertMode = 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY';

export interface ClientCertPolicy {
  readonly mode: ForwardClientCertMode;
  readonly subject: boolean;
  readonly cert: boolean;
  readonly dns: boolean;
  readonly uri: boolean;
}

/** Compiles forward_client_cert_details and set_current_client_cert_details of an HCM. */
export function compileClientCertPolicy(hcm: Json, path: string): ClientCertPolicy {
  const mode = enumOf(hcm['forward_client_cert_details'], `${path}.forward_client_cert_details`, ['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY'] as const, 'SANITIZE');
  const set = obj(hcm['set_current_client_cert_details'], `${path}.set_current_client_cert_details`);
  const p = `${path}.set_current_client_cert_details`;
  return { mode, subject: bool(set['subject'], `${p}.subject`), cert: bool(set['cert'], `${p}.cert`), dns: bool(set['dns'], `${p}.dns`), uri: bool(set['uri'], `${p}.uri`) };
}

const localUriCache = new Map<string, string>();

/** The URI SAN of our own serving certificate (the "By=" element), cached per PEM. */
export function localCertUri(pem: string | undefined): string {
  if (!pem) return '';
  let v = localUriCache.get(pem);
  if (v === undefined) {
    try {
      const san = new X509Certificate(pem).subjectAltName ?? '';
      v = /URI:([^,\s]+)/.exec(san)?.[1] ?? '';
    } catch {
      v = '';
    }
    localUriCache.set(pem, v);
  }
  return v;
}

function element(peer: PeerCertificate, byUri: string, p: ClientCertPolicy): string {
  const parts: string[] = [];
  if (byUri) parts.push(`By=${byUri}`);
  if (peer.raw) parts.push(`Hash=${createHash('sha256').update(peer.raw).digest('hex')}`);
  if (p.cert && peer.raw) parts.push(`Cert="${encodeURIComponent(`-----BEGIN CERTIFICATE-----\n${peer.raw.toString('base64')}\n-----END CERTIFICATE-----\n`)}"`);
  if (p.subject) {
    const s = peer.subject ? Object.entries(peer.subject).map(([k, v]) => `${k}=${String(v)}`).join(',') : '';
    parts.push(`Subject="${s}"`);
  }
  const sans = peerSans(peer);
  if (p.uri) for (const s of sans) if (s.type === 'URI') parts.push(`URI=${s.value}`);
  if (p.dns) for (const s of sans) if (s.type === 'DNS') parts.push(`DNS=${s.value}`);
  return parts.join(';');
}

/** Edits the upstream headers' x-forwarded-client-cert for one request. */
export function applyClientCert(headers: Record<string, unknown>, p: ClientCertPolicy, peer: PeerCertificate | undefined, localCertPem: string | undefined): void {
  const mtls = peer !== undefined;
  switch (p.mode) {
    case 'ALWAYS_FORWARD_ONLY':
      return;
    case 'FORWARD_ONLY':
      if (!mtls) delete headers['x-forwarded-client-cert'];
      return;
    case 'SANITIZE':
      delete headers['x-forwarded-client-cert'];
      return;
    case 'APPEND_FORWARD':
      if (!mtls) {
        delete headers['x-forwarded-client-cert'];
        return;
      }
      {
        const cur = headers['x-forwarded-client-cert'];
        const el = element(peer, localCertUri(localCertPem), p);
        headers['x-forwarded-client-cert'] = typeof cur === 'string' && cur ? `${cur},${el}` : el;
      }
      return;
    default:
      if (!mtls) {
        delete headers['x-forwarded-client-cert'];
        return;
      }
      headers['x-forwarded-client-cert'] = element(peer, localCertUri(localCertPem), p);
  }
}
