// Compiled TLS settings: PEM material resolved from inline data, files or SDS secrets.
import type { StringMatcher } from '../config/string-matcher.ts';

/** Upstream (origination) TLS. */
export interface TlsClientConfig {
  readonly ca: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly sni: string | undefined;
  readonly alpn: readonly string[];
  readonly sanMatchers: readonly SanMatcher[];
  /** Name of an SDS secret not delivered yet; connections fail until it arrives (Envoy keeps such resources warming). */
  readonly pendingSecret: string | undefined;
}

/** Downstream (termination) TLS. */
export interface TlsServerConfig {
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly ca: string | undefined;
  readonly requireClientCert: boolean;
  readonly alpn: readonly string[];
  readonly sanMatchers: readonly SanMatcher[];
  readonly pendingSecret: string | undefined;
}

/** A subject-alt-name matcher; `type` undefined matches any SAN type (match_subject_alt_names). */
export interface SanMatcher {
  readonly type: 'URI' | 'DNS' | 'EMAIL' | 'IP_ADDRESS' | undefined;
  readonly matcher: StringMatcher;
}
