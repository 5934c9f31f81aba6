// `virtualInbound` (15006): per inbound port, mTLS and plaintext chains (by PeerAuthentication mode) to
// `inbound|<port>||`; passthrough chains to InboundPassthroughCluster for undeclared ports.
import { isHttp } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import type { InboundPort } from '../inbound-ports.ts';
import { listenerFilter, socketAddress } from '../util/envoy.ts';
import { BlackHoleCluster, inboundClusterName, InboundPassthroughCluster, VirtualInbound } from '../util/names.ts';
import { inboundMtlsTransportSocket, ISTIO_HTTP_ALPNS, ISTIO_TCP_ALPNS } from './inbound-tls.ts';
import { httpConnectionManager, tcpProxy } from './network-filters.ts';

function inboundRoute(cluster: string, vhostPort: number | string, operation: string): EnvoyJson {
  return {
    name: cluster,
    virtual_hosts: [
      {
        name: `inbound|http|${vhostPort}`,
        domains: ['*'],
        routes: [
          {
            name: 'default',
            match: { prefix: '/' },
            route: { cluster, timeout: '0s', max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' } },
            decorator: { operation },
          },
        ],
      },
    ],
    validate_clusters: false,
  };
}

interface ChainSpec {
  readonly name: string;
  readonly match: EnvoyJson;
  readonly http: boolean;
  readonly tls: boolean;
  readonly cluster: string;
  readonly statPrefix: string;
  readonly operation: string;
  readonly vhostPort: number | string;
}

function chain(ctx: ProxyContext, s: ChainSpec): EnvoyJson {
  const filters = s.http
    ? [httpConnectionManager(ctx, { statPrefix: s.statPrefix, routeConfig: inboundRoute(s.cluster, s.vhostPort, s.operation), direction: 'inbound' })]
    : [tcpProxy(ctx, [{ name: s.cluster, weight: 100 }])];
  const out: EnvoyJson = { filter_chain_match: s.match, filters, name: s.name };
  if (s.tls) out['transport_socket'] = inboundMtlsTransportSocket(s.http);
  return out;
}

/** mTLS / plaintext chain variants allowed by the PeerAuthentication mode. */
function variants(mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE', http: boolean): Array<{ tls: boolean; match: EnvoyJson }> {
  const tls = { tls: true, match: { transport_protocol: 'tls', application_protocols: http ? ISTIO_HTTP_ALPNS : ISTIO_TCP_ALPNS } };
  const plain = { tls: false, match: http ? { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] } : { transport_protocol: 'raw_buffer' } };
  if (mode === 'STRICT') return [tls];
  if (mode === 'DISABLE') return [plain];
  return [tls, plain];
}

export function buildVirtualInbound(ctx: ProxyContext, ports: readonly InboundPort[]): EnvoyJson {
  const listenPort = ctx.snapshot.meshConfig.proxyInboundListenPort;
  const chains: EnvoyJson[] = [
    { filter_chain_match: { destination_port: listenPort }, filters: [tcpProxy(ctx, [{ name: BlackHoleCluster, weight: 100 }])], name: `${VirtualInbound}-blackhole` },
  ];
  const nsMode = ctx.snapshot.mtlsMode(ctx.proxy.namespace, ctx.proxy.labels);
  const prefixRanges = [{ address_prefix: '0.0.0.0', prefix_len: 0 }];
  for (const http of [true, false]) {
    for (const v of variants(nsMode, http)) {
      chains.push(
        chain(ctx, {
          name: http ? `${VirtualInbound}-catchall-http` : VirtualInbound,
          match: { prefix_ranges: prefixRanges, ...v.match },
          http,
          tls: v.tls,
          cluster: InboundPassthroughCluster,
          statPrefix: InboundPassthroughCluster,
          operation: ':0/*',
          vhostPort: 0,
        }),
      );
    }
  }
  for (const p of ports) {
    const mode = ctx.snapshot.mtlsMode(ctx.proxy.namespace, ctx.proxy.labels, p.port);
    const cluster = inboundClusterName(p.port);
    const host = p.services[0]?.hostname ?? '';
    const kinds = p.protocol === 'auto' ? [true, false] : [isHttp(p.protocol)];
    for (const http of kinds) {
      for (const v of variants(mode, http)) {
        // A sniffed port's TCP chain must not require the HTTP ALPNs.
        const match: EnvoyJson = { destination_port: p.port, ...v.match };
        if (!http && p.protocol === 'auto' && !v.tls) delete match['application_protocols'];
        chains.push(
          chain(ctx, {
            name: `0.0.0.0_${p.port}`,
            match,
            http,
            tls: v.tls,
            cluster,
            statPrefix: `inbound_0.0.0.0_${p.port}`,
            operation: `${host}:${p.servicePort}/*`,
            vhostPort: p.port,
          }),
        );
      }
    }
  }
  const listener: EnvoyJson = {
    name: VirtualInbound,
    address: socketAddress('0.0.0.0', listenPort),
    traffic_direction: 'INBOUND',
    filter_chains: chains,
    listener_filters: [listenerFilter('original_dst'), listenerFilter('tls_inspector'), listenerFilter('http_inspector')],
    listener_filters_timeout: '0s',
    continue_on_listener_filters_timeout: true,
  };
  if (ctx.proxy.interceptionMode === 'TPROXY') listener['transparent'] = true;
  return listener;
}
