// The fixed clusters every sidecar gets: PassthroughCluster, BlackHoleCluster, InboundPassthroughCluster.
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { durationOr } from '../util/duration.ts';
import { defaultCircuitBreakers, downstreamProtocolOptions, socketAddress } from '../util/envoy.ts';
import { BlackHoleCluster, InboundPassthroughCluster, PassthroughCluster } from '../util/names.ts';

/** 127.0.0.6: the source address iptables exempts from inbound capture, so forwarded traffic does not loop. */
export function inboundBindConfig(): EnvoyJson {
  return { source_address: socketAddress('127.0.0.6', 0)['socket_address'] };
}

export function passthroughCluster(ctx: ProxyContext): EnvoyJson {
  return {
    name: PassthroughCluster,
    type: 'ORIGINAL_DST',
    connect_timeout: durationOr(ctx.snapshot.meshConfig.connectTimeout, '10s'),
    lb_policy: 'CLUSTER_PROVIDED',
    circuit_breakers: defaultCircuitBreakers(),
    typed_extension_protocol_options: downstreamProtocolOptions(),
  };
}

export function blackHoleCluster(ctx: ProxyContext): EnvoyJson {
  return { name: BlackHoleCluster, type: 'STATIC', connect_timeout: durationOr(ctx.snapshot.meshConfig.connectTimeout, '10s') };
}

export function inboundPassthroughCluster(ctx: ProxyContext): EnvoyJson {
  return {
    name: InboundPassthroughCluster,
    type: 'ORIGINAL_DST',
    connect_timeout: durationOr(ctx.snapshot.meshConfig.connectTimeout, '10s'),
    lb_policy: 'CLUSTER_PROVIDED',
    circuit_breakers: defaultCircuitBreakers(),
    upstream_bind_config: inboundBindConfig(),
    typed_extension_protocol_options: downstreamProtocolOptions(),
  };
}
