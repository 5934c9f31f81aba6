// Router listeners `0.0.0.0_<port>`: HTTP servers share RDS `http.<port>`; HTTPS servers terminate TLS with the
// credentialName secret (SDS `kubernetes://<name>`) per SNI; PASSTHROUGH/TLS servers forward by SNI; TCP servers proxy.
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { tlsChains, vsTcpClusters } from '../listener/l4-routes.ts';
import { httpConnectionManager, tcpProxy } from '../listener/network-filters.ts';
import { adsConfigSource, listenerFilter, socketAddress, T } from '../util/envoy.ts';
import { listenerName } from '../util/names.ts';
import { buildGatewayRouteConfig } from './gateway-routes.ts';
import { exposedHosts, gatewayServers, httpsRouteName, type GatewayServer } from './gateway-servers.ts';

export interface GatewayResult {
  readonly listeners: EnvoyJson[];
  readonly routes: EnvoyJson[];
  /** credentialName secrets the listeners reference (`namespace/name`). */
  readonly credentials: string[];
}

function serverTls(s: GatewayServer, credentials: string[]): EnvoyJson {
  const tls = s.server.tls ?? {};
  const common: EnvoyJson = {
    tls_params: { tls_minimum_protocol_version: tls.minProtocolVersion ?? 'TLSv1_2', tls_maximum_protocol_version: tls.maxProtocolVersion ?? 'TLSv1_3' },
    alpn_protocols: ['h2', 'http/1.1'],
  };
  const ns = s.gateway.metadata.namespace ?? 'default';
  if (tls.credentialName) {
    credentials.push(`${ns}/${tls.credentialName}`);
    common['tls_certificate_sds_secret_configs'] = [{ name: `kubernetes://${tls.credentialName}`, sds_config: adsConfigSource() }];
    if (tls.mode === 'MUTUAL') {
      common['combined_validation_context'] = {
        default_validation_context: tls.subjectAltNames?.length ? { match_subject_alt_names: tls.subjectAltNames.map((x) => ({ exact: x })) } : {},
        validation_context_sds_secret_config: { name: `kubernetes://${tls.credentialName}-cacert`, sds_config: adsConfigSource() },
      };
    }
  } else if (tls.serverCertificate && tls.privateKey) {
    common['tls_certificates'] = [{ certificate_chain: { filename: tls.serverCertificate }, private_key: { filename: tls.privateKey } }];
    if (tls.mode === 'MUTUAL' && tls.caCertificates) common['validation_context'] = { trusted_ca: { filename: tls.caCertificates } };
  }
  const ctx: EnvoyJson = { '@type': T.downstreamTls, common_tls_context: common };
  if (tls.mode === 'MUTUAL') ctx['require_client_certificate'] = true;
  return { name: 'envoy.transport_sockets.tls', typed_config: ctx };
}

function serverNames(s: GatewayServer): string[] {
  return s.hosts.map((h) => h.host).filter((h) => h !== '*');
}

/** Listeners and route configurations for a router proxy. */
export function buildGatewayListeners(ctx: ProxyContext): GatewayResult {
  // One listener per (bind, port): `<bind>_<port>`, bind defaulting to 0.0.0.0.
  const byListener = new Map<string, GatewayServer[]>();
  for (const s of gatewayServers(ctx)) {
    const key = listenerName(s.server.bind ?? '0.0.0.0', s.port);
    byListener.set(key, [...(byListener.get(key) ?? []), s]);
  }
  const listeners: EnvoyJson[] = [];
  const routes: EnvoyJson[] = [];
  const credentials: string[] = [];
  for (const [name, servers] of byListener) {
    const port = servers[0]!.port;
    const bind = servers[0]!.server.bind;
    const bindSuffix = bind ? `.${bind}` : '';
    const chains: EnvoyJson[] = [];
    let needsTlsInspector = false;
    const http = servers.filter((s) => s.kind === 'http');
    if (http.length > 0) {
      const rds = `http.${port}${bindSuffix}`;
      routes.push(buildGatewayRouteConfig(ctx, rds, http));
      chains.push({ filters: [httpConnectionManager(ctx, { statPrefix: `outbound_${bind ?? '0.0.0.0'}_${port}`, rds, direction: 'gateway' })] });
    }
    for (const s of servers.filter((x) => x.kind === 'https')) {
      const rds = httpsRouteName(s) + bindSuffix;
      routes.push(buildGatewayRouteConfig(ctx, rds, [s]));
      const names = serverNames(s);
      needsTlsInspector = true;
      chains.push({
        filter_chain_match: names.length > 0 ? { server_names: names } : {},
        filters: [httpConnectionManager(ctx, { statPrefix: s.server.name ?? `outbound_${bind ?? '0.0.0.0'}_${port}`, rds, direction: 'gateway' })],
        transport_socket: serverTls(s, credentials),
      });
    }
    for (const s of servers.filter((x) => x.kind === 'passthrough')) {
      needsTlsInspector = true;
      for (const vs of ctx.virtualServices(s.gatewayRef)) {
        if (exposedHosts(s, vs).length === 0) continue;
        for (const c of tlsChains(ctx, vs, s.server.port.number, s.gatewayRef)) {
          chains.push({ filter_chain_match: { server_names: [...c.serverNames] }, filters: [tcpProxy(ctx, c.clusters)] });
        }
      }
    }
    for (const s of servers.filter((x) => x.kind === 'tcp')) {
      for (const vs of ctx.virtualServices(s.gatewayRef)) {
        if (exposedHosts(s, vs).length === 0) continue;
        const clusters = vsTcpClusters(ctx, vs, s.server.port.number, s.gatewayRef);
        if (clusters && !chains.some((c) => !c['filter_chain_match'])) chains.push({ filters: [tcpProxy(ctx, clusters)] });
      }
    }
    if (chains.length === 0) continue;
    const listener: EnvoyJson = {
      name,
      address: socketAddress(bind ?? '0.0.0.0', port),
      traffic_direction: 'OUTBOUND',
      filter_chains: chains,
    };
    if (needsTlsInspector) listener['listener_filters'] = [listenerFilter('tls_inspector')];
    listeners.push(listener);
  }
  return { listeners, routes, credentials: [...new Set(credentials)] };
}
