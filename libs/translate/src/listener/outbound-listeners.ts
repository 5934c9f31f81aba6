// Per-port outbound listeners of a sidecar (not bound; reached through virtualOutbound): `0.0.0.0_<port>` with RDS
// `"<port>"` for HTTP services, `<VIP>_<port>` tcp_proxy for TCP services, SNI chains for TLS, and HTTP+TCP chains
// with RDS `<host>:<port>` for protocol-sniffed ports.
import { isHttp, type ServiceModel, type ServicePortModel } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { listenerFilter, socketAddress } from '../util/envoy.ts';
import { BlackHoleCluster, listenerName, PassthroughCluster } from '../util/names.ts';
import { tcpClusters, tlsChains } from './l4-routes.ts';
import { httpConnectionManager, tcpProxy } from './network-filters.ts';

export interface OutboundListenerResult {
  readonly listeners: EnvoyJson[];
  /** HTTP ports needing RouteConfiguration `"<port>"`. */
  readonly httpPorts: number[];
  /** Sniffed service ports needing RouteConfiguration `<host>:<port>`. */
  readonly sniffed: Array<{ service: ServiceModel; port: number }>;
}

const HTTP_ALPNS = ['http/1.1', 'h2c'];

function outboundListener(ctx: ProxyContext, bind: string, port: number, chains: EnvoyJson[], sniff: boolean): EnvoyJson {
  const l: EnvoyJson = {
    name: listenerName(bind, port),
    address: socketAddress(bind, port),
    traffic_direction: 'OUTBOUND',
  };
  if (ctx.proxy.interceptionMode !== 'NONE') l['bind_to_port'] = false;
  l['filter_chains'] = chains;
  l['listener_filters'] = sniff ? [listenerFilter('tls_inspector'), listenerFilter('http_inspector')] : [listenerFilter('tls_inspector')];
  l['listener_filters_timeout'] = '0s';
  l['continue_on_listener_filters_timeout'] = true;
  return l;
}

function passthroughChain(ctx: ProxyContext): EnvoyJson {
  const cluster = ctx.scope.outboundTrafficPolicy === 'ALLOW_ANY' ? PassthroughCluster : BlackHoleCluster;
  return { name: 'PassthroughFilterChain', filters: [tcpProxy(ctx, [{ name: cluster, weight: 100 }])] };
}

function cidrRange(cidr: string): EnvoyJson {
  const [address_prefix = '', len = '32'] = cidr.split('/');
  return { address_prefix, prefix_len: Number(len) };
}

function isTlsLike(p: ServicePortModel): boolean {
  return p.protocol === 'TLS' || p.protocol === 'HTTPS';
}

/** Builds all per-port outbound listeners for the proxy's visible services. */
export function buildOutboundListeners(ctx: ProxyContext): OutboundListenerResult {
  const byName = new Map<string, { bind: string; port: number; chains: EnvoyJson[]; sniff: boolean; http: boolean; sni: Set<string> }>();
  const httpPorts = new Set<number>();
  const sniffed: Array<{ service: ServiceModel; port: number }> = [];
  const get = (bind: string, port: number) => {
    const name = listenerName(bind, port);
    let e = byName.get(name);
    if (!e) {
      e = { bind, port, chains: [], sniff: false, http: false, sni: new Set() };
      byName.set(name, e);
    }
    return e;
  };
  for (const svc of ctx.services) {
    for (const p of svc.ports) {
      if (p.protocol === 'UDP' || !ctx.portVisible(svc, p.port)) continue;
      if (isHttp(p.protocol)) {
        const e = get('0.0.0.0', p.port);
        if (!e.http) {
          if (e.chains.length > 0) continue; // a TCP service without VIP got the wildcard first
          e.http = true;
          e.chains.push({
            filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: HTTP_ALPNS },
            filters: [httpConnectionManager(ctx, { statPrefix: `outbound_0.0.0.0_${p.port}`, rds: String(p.port), direction: 'outbound' })],
            name: `0.0.0.0_${p.port}`,
          });
          e.sniff = true;
          httpPorts.add(p.port);
        }
        continue;
      }
      if (svc.address === '0.0.0.0' && svc.cidrs?.length && !isTlsLike(p)) {
        // CIDR ServiceEntries share the wildcard listener, told apart by destination prefix.
        const e = get('0.0.0.0', p.port);
        if (e.http) continue;
        e.chains.push({
          filter_chain_match: { prefix_ranges: svc.cidrs.map(cidrRange) },
          filters: [tcpProxy(ctx, tcpClusters(ctx, svc, p.port))],
          name: `${svc.cidrs.join(',')}_${p.port}`,
        });
        continue;
      }
      const bind = svc.address !== '0.0.0.0' ? svc.address : '0.0.0.0';
      const e = get(bind, p.port);
      if (e.http) continue;
      if (p.protocol === 'auto') {
        if (e.chains.length > 0) continue;
        const route = `${svc.hostname}:${p.port}`;
        e.sniff = true;
        e.chains.push({
          filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: HTTP_ALPNS },
          filters: [httpConnectionManager(ctx, { statPrefix: `outbound_${bind}_${p.port}`, rds: route, direction: 'outbound' })],
          name: `${bind}_${p.port}`,
        });
        e.chains.push({ filter_chain_match: {}, filters: [tcpProxy(ctx, tcpClusters(ctx, svc, p.port))], name: `${bind}_${p.port}-tcp` });
        sniffed.push({ service: svc, port: p.port });
        continue;
      }
      if (isTlsLike(p)) {
        const vs = ctx.virtualServiceForHost('mesh', svc.hostname);
        const chains = vs ? tlsChains(ctx, vs, p.port, 'mesh') : [];
        for (const c of chains) {
          const names = c.serverNames.filter((n) => !e.sni.has(n));
          if (names.length === 0) continue;
          names.forEach((n) => e.sni.add(n));
          e.chains.push({ filter_chain_match: { server_names: names }, filters: [tcpProxy(ctx, c.clusters)] });
        }
        if (bind === '0.0.0.0') {
          // Without a VIP the SNI is the only way to tell TLS services apart.
          if (!e.sni.has(svc.hostname)) {
            e.sni.add(svc.hostname);
            e.chains.push({ filter_chain_match: { server_names: [svc.hostname] }, filters: [tcpProxy(ctx, tcpClusters(ctx, svc, p.port))] });
          }
          continue;
        }
      }
      if (e.chains.some((c) => Object.keys((c['filter_chain_match'] as EnvoyJson | undefined) ?? {}).length === 0)) continue;
      e.chains.push({ filter_chain_match: {}, filters: [tcpProxy(ctx, tcpClusters(ctx, svc, p.port))] });
    }
  }
  const listeners: EnvoyJson[] = [];
  for (const e of [...byName.values()].sort((a, b) => a.port - b.port || (a.bind < b.bind ? -1 : a.bind > b.bind ? 1 : 0))) {
    const l = outboundListener(ctx, e.bind, e.port, e.chains, e.sniff);
    // Unmatched traffic on a wildcard listener (other hosts on the same port) follows the outbound policy.
    if (e.bind === '0.0.0.0' && !e.chains.some((c) => Object.keys((c['filter_chain_match'] as EnvoyJson | undefined) ?? {}).length === 0)) {
      l['default_filter_chain'] = passthroughChain(ctx);
    }
    listeners.push(l);
  }
  return { listeners, httpPorts: [...httpPorts].sort((a, b) => a - b), sniffed };
}
