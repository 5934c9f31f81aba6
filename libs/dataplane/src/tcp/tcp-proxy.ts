// tcp_proxy: connect to a host of the chosen cluster (TLS origination when the cluster asks) and splice bytes.
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { ClusterRuntime } from '../cluster/cluster-runtime.ts';
import { tlsConnectOptions } from '../cluster/upstream-pool.ts';
import type { DownstreamContext } from '../runtime/downstream-context.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import type { CompiledTcpProxy } from './compile-tcp-proxy.ts';

/** Runtime lookups tcp_proxy needs. */
export interface TcpDeps {
  cluster(name: string): ClusterRuntime | undefined;
  readonly stats: StatsStore;
}

function chooseCluster(p: CompiledTcpProxy): string {
  if (p.cluster !== undefined) return p.cluster;
  let r = Math.random() * p.totalWeight;
  for (const w of p.weighted) {
    if (r < w.weight) return w.name;
    r -= w.weight;
  }
  return p.weighted[p.weighted.length - 1]?.name ?? '';
}

/** Proxies one downstream connection; the downstream is closed when no upstream can be reached. */
export function proxyTcp(deps: TcpDeps, p: CompiledTcpProxy, downstream: Duplex, ctx: DownstreamContext): void {
  const cxTotal = deps.stats.counter(`tcp.${p.statPrefix}.downstream_cx_total`);
  const noRoute = deps.stats.counter(`tcp.${p.statPrefix}.downstream_cx_no_route`);
  cxTotal.inc();
  const cluster = deps.cluster(chooseCluster(p));
  const host = cluster?.pickHost(undefined, ctx.originalDst);
  if (!cluster || !host) {
    noRoute.inc();
    downstream.destroy();
    return;
  }
  if (!cluster.tryStartRequest(false)) {
    downstream.destroy();
    return;
  }
  const t = cluster.tlsFor(host);
  if (t?.pendingSecret !== undefined) {
    cluster.endRequest();
    downstream.destroy();
    return;
  }
  const spec = host.spec;
  let upstream: net.Socket;
  if (t) {
    const src = cluster.config.sourceAddress;
    const base =
      spec.pipe !== undefined
        ? { path: spec.pipe }
        : src
          ? { socket: net.connect({ port: spec.port, host: spec.address, localAddress: src }) }
          : { host: spec.address, port: spec.port };
    upstream = tls.connect({ ...base, ...tlsConnectOptions(t, [], undefined) });
  } else {
    upstream = spec.pipe !== undefined ? net.connect(spec.pipe) : net.connect({ port: spec.port, host: spec.address, ...localAddr(cluster.config.sourceAddress) });
  }
  const stats = cluster.stats;
  stats.cxTotal.inc();
  stats.cxActive.inc();
  host.activeConnections++;
  host.activeRequests++;
  let connected = false;
  const timer = setTimeout(() => {
    stats.cxConnectTimeout.inc();
    upstream.destroy(new Error('connect timeout'));
  }, cluster.config.connectTimeoutMs);
  upstream.once(t ? 'secureConnect' : 'connect', () => {
    connected = true;
    clearTimeout(timer);
    cluster.recordOutcome(host, 200);
  });
  // Writes queue inside the upstream socket until it connects.
  downstream.pipe(upstream);
  upstream.pipe(downstream);
  upstream.setTimeout(p.idleTimeoutMs, () => upstream.destroy());
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    stats.cxActive.dec();
    host.activeConnections--;
    host.activeRequests--;
    cluster.endRequest();
    if (!connected) {
      stats.cxConnectFail.inc();
      cluster.recordOutcome(host, 'connect-failure');
    }
    downstream.destroy();
    upstream.destroy();
  };
  upstream.on('data', (c: Buffer) => stats.bytesReceived.inc(c.length));
  upstream.once('error', close);
  upstream.once('close', close);
  downstream.once('error', close);
  downstream.once('close', close);
}

function localAddr(address: string | undefined): { localAddress?: string } {
  return address ? { localAddress: address } : {};
}
