// Subject-alt-name verification of a peer certificate against the configured matchers.
import type { PeerCertificate } from 'node:tls';
import { matchString } from '../config/string-matcher.ts';
import type { SanMatcher } from './tls-types.ts';

/** Parses Node's "URI:spiffe://a, DNS:b" subjectaltname string. */
export function peerSans(cert: PeerCertificate | undefined): { type: string; value: string }[] {
  const raw = cert?.subjectaltname;
  if (!raw) return [];
  return raw.split(/,\s*/).map((entry) => {
    const i = entry.indexOf(':');
    const type = entry.slice(0, i);
    return { type: type === 'IP Address' ? 'IP_ADDRESS' : type === 'email' ? 'EMAIL' : type, value: entry.slice(i + 1) };
  });
}

/** Undefined when some SAN matches (or no matchers are configured), else a reason. */
export function verifySans(cert: PeerCertificate | undefined, matchers: readonly SanMatcher[]): string | undefined {
  if (matchers.length === 0) return undefined;
  const sans = peerSans(cert);
  for (const m of matchers) {
    for (const s of sans) {
      if (m.type !== undefined && m.type !== s.type) continue;
      if (matchString(m.matcher, s.value)) return undefined;
    }
  }
  return `peer certificate SANs [${sans.map((s) => `${s.type}:${s.value}`).join(', ')}] match none of the configured subject alt names`;
}
