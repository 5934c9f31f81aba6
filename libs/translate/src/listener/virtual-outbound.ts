// `virtualOutbound` (15001): where iptables sends outbound traffic; hands connections to the listener of their
// original destination (use_original_dst), else the catch-all (PassthroughCluster / BlackHoleCluster).
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { socketAddress } from '../util/envoy.ts';
import { BlackHoleCluster, PassthroughCluster, VirtualOutbound } from '../util/names.ts';
import { tcpProxy } from './network-filters.ts';

export function buildVirtualOutbound(ctx: ProxyContext): EnvoyJson {
  const port = ctx.snapshot.meshConfig.proxyListenPort;
  const catchAll = ctx.scope.outboundTrafficPolicy === 'ALLOW_ANY' ? PassthroughCluster : BlackHoleCluster;
  const listener: EnvoyJson = {
    name: VirtualOutbound,
    address: socketAddress('0.0.0.0', port),
    use_original_dst: true,
    traffic_direction: 'OUTBOUND',
    filter_chains: [
      // Traffic addressed to 15001 itself would loop.
      { name: `${VirtualOutbound}-blackhole`, filter_chain_match: { destination_port: port }, filters: [tcpProxy(ctx, [{ name: BlackHoleCluster, weight: 100 }])] },
      { name: `${VirtualOutbound}-catchall-tcp`, filter_chain_match: {}, filters: [tcpProxy(ctx, [{ name: catchAll, weight: 100 }])] },
    ],
  };
  if (ctx.proxy.interceptionMode === 'TPROXY') listener['transparent'] = true;
  return listener;
}
