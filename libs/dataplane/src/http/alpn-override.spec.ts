import { describe, expect, it } from 'vitest';
import type { TlsClientConfig } from '../tls/tls-types.ts';
import { alpnFor, compileAlpnOverride, istioAlpnConfig, istioAlpnType, withAlpn } from './alpn-override.ts';
import { compileHcm } from './compile-hcm.ts';

const istioOverrides = {
  alpn_override: [
    { alpn_override: ['istio-http/1.0', 'istio'] },
    { upstream_protocol: 'HTTP11', alpn_override: ['istio-http/1.1', 'istio'] },
    { upstream_protocol: 'HTTP2', alpn_override: ['istio-h2', 'istio'] },
  ],
};
const router = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
const hcmWith = (filter: object) => ({ stat_prefix: 'out', route_config: { name: 'r', virtual_hosts: [] }, http_filters: [filter, router] });

describe('istio.alpn', () => {
  it('maps upstream protocols to ALPN lists; a missing upstream_protocol is HTTP10', () => {
    const o = compileAlpnOverride(istioOverrides, 'f');
    expect(alpnFor(o, false, '1.1')).toEqual(['istio-http/1.1', 'istio']);
    expect(alpnFor(o, false, '1.0')).toEqual(['istio-http/1.0', 'istio']);
    expect(alpnFor(o, true, '2.0')).toEqual(['istio-h2', 'istio']);
    expect(alpnFor(undefined, true, '2.0')).toBeUndefined();
  });

  it('is compiled into the HCM from its own type or a TypedStruct, and rejects a bad protocol with its path', () => {
    const direct = compileHcm(hcmWith({ name: 'istio.alpn', typed_config: { '@type': istioAlpnType, ...istioOverrides } }), 'hcm');
    expect(direct.alpnOverride?.http11).toEqual(['istio-http/1.1', 'istio']);
    const wrapped = { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: istioAlpnType, value: istioOverrides };
    expect(istioAlpnConfig(wrapped, 'p')?.path).toBe('p.value');
    expect(compileHcm(hcmWith({ name: 'istio.alpn', typed_config: wrapped }), 'hcm').alpnOverride?.http2).toEqual(['istio-h2', 'istio']);
    expect(compileHcm(hcmWith({ name: 'other', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig' } }), 'hcm').alpnOverride).toBeUndefined();
    expect(() => compileHcm(hcmWith({ name: 'istio.alpn', typed_config: { '@type': istioAlpnType, alpn_override: [{ upstream_protocol: 'HTTP3', alpn_override: ['x'] }] } }), 'hcm')).toThrow(
      /hcm\.http_filters\[0\]\.typed_config\.alpn_override\[0\]\.upstream_protocol/,
    );
  });

  it('derives one TLS config per ALPN list, so connection pools keyed by it stay shared', () => {
    const tls: TlsClientConfig = { ca: 'ca', cert: 'c', key: 'k', sni: undefined, alpn: ['istio-peer-exchange', 'istio'], sanMatchers: [], pendingSecret: undefined };
    const a = withAlpn(tls, ['istio-http/1.1', 'istio']);
    expect(a).not.toBe(tls);
    expect(a.alpn).toEqual(['istio-http/1.1', 'istio']);
    expect(a.cert).toBe('c');
    expect(withAlpn(tls, ['istio-http/1.1', 'istio'])).toBe(a);
    expect(withAlpn(tls, undefined)).toBe(tls);
    expect(withAlpn(tls, ['istio-peer-exchange', 'istio'])).toBe(tls);
  });
});
