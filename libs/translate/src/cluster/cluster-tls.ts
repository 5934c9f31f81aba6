// Upstream TLS for outbound clusters: DestinationRule tls modes, and auto-mTLS (transport_socket_matches on the
// endpoint metadata `tlsMode: istio`) when the DestinationRule says nothing.
import type { ClientTLSSettings } from '@mesh/api';
import type { ServiceModel } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import { sdsGrpcConfigSource, T } from '../util/envoy.ts';
import { istioSni } from '../util/names.ts';

/** Where Istio's proxy image keeps the OS CA bundle. */
const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const ALPN_IN_MESH = ['istio-peer-exchange', 'istio'];
const ALPN_IN_MESH_H2 = ['istio-peer-exchange', 'istio', 'h2'];

function tlsParams(): EnvoyJson {
  return { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' };
}

/** The workload-certificate TLS context Istio uses for mesh mTLS (certs from the agent's SDS: `default`, `ROOTCA`). */
export function istioMutualTls(sni: string, sans: readonly string[], http2: boolean): EnvoyJson {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': T.upstreamTls,
      common_tls_context: {
        tls_params: tlsParams(),
        alpn_protocols: http2 ? ALPN_IN_MESH_H2 : ALPN_IN_MESH,
        tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: sdsGrpcConfigSource() }],
        combined_validation_context: {
          default_validation_context: sans.length > 0 ? { match_subject_alt_names: sans.map((s) => ({ exact: s })) } : {},
          validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: sdsGrpcConfigSource() },
        },
      },
      sni,
    },
  };
}

/** SPIFFE identities of a service's workloads, for SAN verification. */
export function serviceSans(service: ServiceModel, serviceAccounts: readonly string[], trustDomain: string): string[] {
  if (service.serviceAccounts.length > 0) return [...service.serviceAccounts];
  return [...new Set(serviceAccounts.filter(Boolean))].sort().map((sa) => `spiffe://${trustDomain}/ns/${service.namespace}/sa/${sa}`);
}

function rawBufferMatch(): EnvoyJson {
  return { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': T.rawBuffer } } };
}

/** Auto mTLS: TLS to endpoints labelled `tlsMode: istio`, plaintext to the rest. */
export function autoMtlsMatches(sni: string, sans: readonly string[], http2: boolean): EnvoyJson[] {
  return [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: istioMutualTls(sni, sans, http2) }, rawBufferMatch()];
}

/** A user-configured TLS origination (SIMPLE / MUTUAL) transport socket. */
function originationTls(tls: ClientTLSSettings, defaultSni: string): EnvoyJson {
  const common: EnvoyJson = {};
  const validation: EnvoyJson = {};
  if (tls.subjectAltNames?.length) validation['match_subject_alt_names'] = tls.subjectAltNames.map((s) => ({ exact: s }));
  if (tls.credentialName) {
    if (tls.mode === 'MUTUAL') {
      common['tls_certificate_sds_secret_configs'] = [{ name: `kubernetes://${tls.credentialName}`, sds_config: { ads: {}, resource_api_version: 'V3' } }];
    }
    common['combined_validation_context'] = {
      default_validation_context: validation,
      validation_context_sds_secret_config: { name: `kubernetes://${tls.credentialName}-cacert`, sds_config: { ads: {}, resource_api_version: 'V3' } },
    };
  } else {
    if (tls.mode === 'MUTUAL' && tls.clientCertificate && tls.privateKey) {
      common['tls_certificates'] = [{ certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } }];
    }
    // Without caCertificates the client still verifies the server, against the OS trust bundle (upstream default).
    if (!tls.insecureSkipVerify) validation['trusted_ca'] = { filename: tls.caCertificates ?? SYSTEM_CA_BUNDLE };
    if (Object.keys(validation).length > 0) common['validation_context'] = validation;
  }
  const ctx: EnvoyJson = { '@type': T.upstreamTls, common_tls_context: common };
  const sni = tls.sni ?? defaultSni;
  if (sni) ctx['sni'] = sni;
  return { name: 'envoy.transport_sockets.tls', typed_config: ctx };
}

export interface ClusterTlsInput {
  readonly tls: ClientTLSSettings | undefined;
  readonly autoMtls: boolean;
  readonly port: number;
  readonly subset: string;
  readonly service: ServiceModel;
  readonly sans: readonly string[];
  readonly http2: boolean;
}

/** Sets transport_socket or transport_socket_matches on an outbound cluster. */
export function applyClusterTls(cluster: EnvoyJson, input: ClusterTlsInput): void {
  const sni = istioSni(input.port, input.subset, input.service.hostname);
  const mode = input.tls?.mode;
  if (mode === 'DISABLE') return;
  if (mode === 'ISTIO_MUTUAL') {
    cluster['transport_socket'] = istioMutualTls(input.tls?.sni ?? sni, input.tls?.subjectAltNames ?? input.sans, input.http2);
    return;
  }
  if (mode === 'SIMPLE' || mode === 'MUTUAL') {
    // External TLS origination: SNI defaults to the host name for DNS services.
    cluster['transport_socket'] = originationTls(input.tls ?? {}, input.service.resolution === 'DNSLB' || input.service.resolution === 'DNSRoundRobinLB' ? input.service.hostname : '');
    return;
  }
  if (input.autoMtls && !input.service.meshExternal) cluster['transport_socket_matches'] = autoMtlsMatches(sni, input.sans, input.http2);
}
