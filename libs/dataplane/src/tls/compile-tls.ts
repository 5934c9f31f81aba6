// UpstreamTlsContext / DownstreamTlsContext → TlsClientConfig / TlsServerConfig.
import { readFileSync } from 'node:fs';
import { ConfigError, arr, bool, enumOf, isObject, obj, optObj, str, type Json } from '../config/json-reader.ts';
import { compileStringMatcher } from '../config/string-matcher.ts';
import type { SanMatcher, TlsClientConfig, TlsServerConfig } from './tls-types.ts';

/** Secrets visible to compilation (SDS resources by name). */
export type SecretLookup = (name: string) => Json | undefined;

/** Reads an Envoy DataSource (inline_string, inline_bytes or filename) as text; undefined when absent. */
export function dataSource(v: unknown, path: string): string | undefined {
  const o = optObj(v, path);
  if (!o) return undefined;
  if (o['inline_string'] !== undefined) return str(o['inline_string'], `${path}.inline_string`);
  if (o['inline_bytes'] !== undefined) return Buffer.from(str(o['inline_bytes'], `${path}.inline_bytes`), 'base64').toString('utf8');
  if (o['filename'] !== undefined) {
    const f = str(o['filename'], `${path}.filename`);
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      throw new ConfigError(`${path}.filename`, `cannot read ${f}: ${(e as Error).message}`);
    }
  }
  throw new ConfigError(path, 'one of inline_string, inline_bytes or filename is required');
}

function sdsSecret(cfg: unknown, path: string, secrets: SecretLookup, acc: CommonTls): Json {
  const name = str(obj(cfg, path)['name'], `${path}.name`);
  if (!name) throw new ConfigError(`${path}.name`, 'is required');
  const s = secrets(name);
  if (!s) {
    acc.pending ??= name;
    return {};
  }
  return s;
}

function sanMatchers(vc: Json, path: string): SanMatcher[] {
  const out: SanMatcher[] = [];
  arr(vc['match_subject_alt_names'], `${path}.match_subject_alt_names`).forEach((m, i) =>
    out.push({ type: undefined, matcher: compileStringMatcher(m, `${path}.match_subject_alt_names[${i}]`) }),
  );
  arr(vc['match_typed_subject_alt_names'], `${path}.match_typed_subject_alt_names`).forEach((m, i) => {
    const p = `${path}.match_typed_subject_alt_names[${i}]`;
    const o = obj(m, p);
    const type = enumOf(o['san_type'], `${p}.san_type`, ['SAN_TYPE_UNSPECIFIED', 'EMAIL', 'DNS', 'URI', 'IP_ADDRESS'] as const, 'SAN_TYPE_UNSPECIFIED');
    if (type === 'SAN_TYPE_UNSPECIFIED') throw new ConfigError(`${p}.san_type`, 'is required');
    out.push({ type, matcher: compileStringMatcher(o['matcher'], `${p}.matcher`) });
  });
  return out;
}

interface CommonTls {
  cert: string | undefined;
  key: string | undefined;
  ca: string | undefined;
  alpn: string[];
  sans: SanMatcher[];
  pending: string | undefined;
}

function validationContext(vc: Json, path: string, acc: CommonTls): void {
  const ca = dataSource(vc['trusted_ca'], `${path}.trusted_ca`);
  if (ca !== undefined) acc.ca = ca;
  acc.sans.push(...sanMatchers(vc, path));
}

function commonTls(v: unknown, path: string, secrets: SecretLookup): CommonTls {
  const o = obj(v, path);
  const acc: CommonTls = { cert: undefined, key: undefined, ca: undefined, alpn: [], sans: [], pending: undefined };
  acc.alpn = arr(o['alpn_protocols'], `${path}.alpn_protocols`).map((a, i) => str(a, `${path}.alpn_protocols[${i}]`));
  const certs = arr(o['tls_certificates'], `${path}.tls_certificates`);
  if (certs.length > 0) {
    const c = obj(certs[0], `${path}.tls_certificates[0]`);
    acc.cert = dataSource(c['certificate_chain'], `${path}.tls_certificates[0].certificate_chain`);
    acc.key = dataSource(c['private_key'], `${path}.tls_certificates[0].private_key`);
  }
  const sdsCerts = arr(o['tls_certificate_sds_secret_configs'], `${path}.tls_certificate_sds_secret_configs`);
  if (sdsCerts.length > 0) {
    const p = `${path}.tls_certificate_sds_secret_configs[0]`;
    const s = sdsSecret(sdsCerts[0], p, secrets, acc);
    if (s['tls_certificate'] !== undefined || acc.pending === undefined) {
      const tc = obj(s['tls_certificate'], `${p} (secret).tls_certificate`);
      acc.cert = dataSource(tc['certificate_chain'], `${p} (secret).tls_certificate.certificate_chain`);
      acc.key = dataSource(tc['private_key'], `${p} (secret).tls_certificate.private_key`);
    }
  }
  if (o['validation_context'] !== undefined) validationContext(obj(o['validation_context'], `${path}.validation_context`), `${path}.validation_context`, acc);
  if (o['validation_context_sds_secret_config'] !== undefined) {
    const p = `${path}.validation_context_sds_secret_config`;
    const s = sdsSecret(o['validation_context_sds_secret_config'], p, secrets, acc);
    if (s['validation_context'] !== undefined) validationContext(obj(s['validation_context'], `${p} (secret).validation_context`), `${p} (secret).validation_context`, acc);
  }
  if (o['combined_validation_context'] !== undefined) {
    const p = `${path}.combined_validation_context`;
    const c = obj(o['combined_validation_context'], p);
    validationContext(obj(c['default_validation_context'], `${p}.default_validation_context`), `${p}.default_validation_context`, acc);
    if (c['validation_context_sds_secret_config'] !== undefined) {
      const sp = `${p}.validation_context_sds_secret_config`;
      const s = sdsSecret(c['validation_context_sds_secret_config'], sp, secrets, acc);
      if (s['validation_context'] !== undefined) validationContext(obj(s['validation_context'], `${sp} (secret).validation_context`), `${sp} (secret).validation_context`, acc);
    }
  }
  return acc;
}

/** Compiles an UpstreamTlsContext (the typed_config of a cluster's tls transport socket). */
export function compileUpstreamTls(v: Json, path: string, secrets: SecretLookup): TlsClientConfig {
  const c = commonTls(v['common_tls_context'], `${path}.common_tls_context`, secrets);
  const sni = str(v['sni'], `${path}.sni`);
  return { ca: c.ca, cert: c.cert, key: c.key, sni: sni || undefined, alpn: c.alpn, sanMatchers: c.sans, pendingSecret: c.pending };
}

/** Compiles a DownstreamTlsContext (the typed_config of a filter chain's tls transport socket). */
export function compileDownstreamTls(v: Json, path: string, secrets: SecretLookup): TlsServerConfig {
  const c = commonTls(v['common_tls_context'], `${path}.common_tls_context`, secrets);
  if (c.pending === undefined && (c.cert === undefined || c.key === undefined)) throw new ConfigError(`${path}.common_tls_context`, 'a server certificate and private key are required');
  const requireClientCert = bool(v['require_client_certificate'], `${path}.require_client_certificate`);
  if (requireClientCert && c.ca === undefined && c.pending === undefined) throw new ConfigError(`${path}.require_client_certificate`, 'needs a validation context with trusted_ca');
  return { cert: c.cert, key: c.key, ca: c.ca, requireClientCert, alpn: c.alpn, sanMatchers: c.sans, pendingSecret: c.pending };
}

/** True when `v` looks like a TransportSocket we treat as plaintext (absent or raw_buffer). */
export function isPlainTransport(v: unknown): boolean {
  if (!isObject(v)) return true;
  const name = v['name'];
  return name === 'envoy.transport_sockets.raw_buffer' || name === 'raw_buffer';
}
