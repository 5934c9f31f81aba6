// Istio's `istio.alpn` HTTP filter (istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig): outbound and
// gateway HCMs replace the ALPN list of the upstream TLS handshake by the upstream HTTP protocol, so a peer
// sidecar's inbound listener can tell mesh HTTP (`istio-http/1.1`, `istio-h2`) from mesh TCP (`istio`). Accepted
// directly or wrapped in a TypedStruct, as Envoy accepts any extension config.
import { ConfigError, arr, enumOf, obj, str, type Json } from '../config/json-reader.ts';
import type { TlsClientConfig } from '../tls/tls-types.ts';

/** Type URL of Istio's ALPN filter config. */
export const istioAlpnType = 'type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig';
const typedStructTypes = new Set(['type.googleapis.com/udpa.type.v1.TypedStruct', 'type.googleapis.com/xds.type.v3.TypedStruct']);

/** ALPN lists by upstream protocol; a missing entry leaves the cluster's own list. */
export interface AlpnOverride {
  readonly http10: readonly string[] | undefined;
  readonly http11: readonly string[] | undefined;
  readonly http2: readonly string[] | undefined;
}

/** The filter's config when `typedConfig` is an istio.alpn config (direct or TypedStruct), else undefined. */
export function istioAlpnConfig(typedConfig: Json, path: string): { config: Json; path: string } | undefined {
  const type = typedConfig['@type'];
  if (type === istioAlpnType) return { config: typedConfig, path };
  if (typeof type === 'string' && typedStructTypes.has(type) && typedConfig['type_url'] === istioAlpnType) {
    return { config: obj(typedConfig['value'], `${path}.value`), path: `${path}.value` };
  }
  return undefined;
}

/** Compiles FilterConfig.alpn_override; an entry without upstream_protocol is HTTP10 (the proto3 default). */
export function compileAlpnOverride(config: Json, path: string): AlpnOverride {
  const out: { http10?: string[]; http11?: string[]; http2?: string[] } = {};
  arr(config['alpn_override'], `${path}.alpn_override`).forEach((entry, i) => {
    const p = `${path}.alpn_override[${i}]`;
    const o = obj(entry, p);
    const protocol = enumOf(o['upstream_protocol'], `${p}.upstream_protocol`, ['HTTP10', 'HTTP11', 'HTTP2'] as const, 'HTTP10');
    const alpn = arr(o['alpn_override'], `${p}.alpn_override`).map((a, j) => str(a, `${p}.alpn_override[${j}]`));
    if (alpn.some((a) => a === '')) throw new ConfigError(`${p}.alpn_override`, 'protocol names must not be empty');
    out[protocol === 'HTTP10' ? 'http10' : protocol === 'HTTP11' ? 'http11' : 'http2'] = alpn;
  });
  return { http10: out.http10, http11: out.http11, http2: out.http2 };
}

/** The override for an upstream request: HTTP/2, else HTTP/1.0 when the downstream spoke it, else HTTP/1.1. */
export function alpnFor(o: AlpnOverride | undefined, upstreamH2: boolean, downstreamHttpVersion: string): readonly string[] | undefined {
  if (o === undefined) return undefined;
  if (upstreamH2) return o.http2;
  return downstreamHttpVersion === '1.0' ? (o.http10 ?? o.http11) : o.http11;
}

// One derived config per (TLS config, ALPN list), so connection pools keyed by the config object stay shared.
const derived = new WeakMap<TlsClientConfig, Map<string, TlsClientConfig>>();

/** `tls` with its ALPN list replaced (Envoy's transport socket ALPN override); the same object for equal input. */
export function withAlpn(tls: TlsClientConfig, alpn: readonly string[] | undefined): TlsClientConfig {
  if (alpn === undefined || alpn.length === 0) return tls;
  const key = alpn.join(',');
  if (key === tls.alpn.join(',')) return tls;
  let byList = derived.get(tls);
  if (byList === undefined) derived.set(tls, (byList = new Map()));
  let out = byList.get(key);
  if (out === undefined) byList.set(key, (out = { ...tls, alpn: [...alpn] }));
  return out;
}
