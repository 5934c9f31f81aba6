// HTTP/1.1 upgrades (WebSocket and friends): after route selection the upgrade request is written to an upstream
// connection as is (with the route's rewrites and header edits) and bytes are spliced both ways.
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClusterRuntime } from '../cluster/cluster-runtime.ts';
import { tlsConnectOptions } from '../cluster/upstream-pool.ts';
import { addForwardingHeaders, upstreamRequestHeaders } from '../router/forward-headers.ts';
import { applyHeaderOps, type HeaderBag } from '../router/header-ops.ts';
import { pathOnly } from '../router/route-select.ts';
import type { CompiledRoute, CompiledRouteConfig, CompiledVirtualHost, ForwardAction } from '../router/route-types.ts';
import type { DownstreamContext } from '../runtime/downstream-context.ts';

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  else socket.destroy();
}

function chooseCluster(a: ForwardAction): string | undefined {
  if (a.cluster) return a.cluster;
  if (a.weighted) {
    let r = Math.random() * a.weighted.total;
    for (const c of a.weighted.clusters) {
      if (r < c.weight) return c.name;
      r -= c.weight;
    }
    return a.weighted.clusters[0]?.name;
  }
  return undefined;
}

/** Proxies an upgrade request matched to a forwarding route. */
export function proxyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ctx: DownstreamContext,
  route: CompiledRoute,
  vh: CompiledVirtualHost,
  rc: CompiledRouteConfig,
  cluster: (name: string) => ClusterRuntime | undefined,
): void {
  const a = route.action;
  if (a.kind !== 'forward') {
    rejectUpgrade(socket, 404, 'Not Found');
    return;
  }
  const name = chooseCluster(a);
  const c = name === undefined ? undefined : cluster(name);
  const host = c?.pickHost(undefined, ctx.originalDst);
  if (!c || !host || !c.tryStartRequest(false)) {
    rejectUpgrade(socket, 503, 'Service Unavailable');
    return;
  }
  const headers = upstreamRequestHeaders(req.headers);
  addForwardingHeaders(headers, ctx.tls, ctx.remoteAddress, false);
  for (const ops of [route.requestHeaders, vh.requestHeaders, rc.requestHeaders]) applyHeaderOps(headers as HeaderBag, ops, undefined);
  let path = req.url ?? '/';
  if (a.prefixRewrite !== undefined && (route.match.kind === 'prefix' || route.match.kind === 'separated')) {
    const p = pathOnly(path);
    path = a.prefixRewrite + p.slice(route.match.value.length) + path.slice(p.length);
  }
  const authority = a.hostRewrite ?? req.headers.host ?? '';
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `host: ${authority}`, `connection: upgrade`, `upgrade: ${req.headers.upgrade ?? ''}`];
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(one)}`);
  }
  const t = c.tlsFor(host);
  const spec = host.spec;
  const base = spec.pipe !== undefined ? { path: spec.pipe } : { host: spec.address, port: spec.port };
  const upstream: net.Socket = t ? tls.connect({ ...base, ...tlsConnectOptions(t, ['http/1.1'], undefined) }) : net.connect(base as net.NetConnectOpts);
  c.stats.rqTotal.inc();
  host.activeRequests++;
  upstream.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length) upstream.write(head);
  upstream.pipe(socket);
  socket.pipe(upstream);
  let done = false;
  const close = (): void => {
    if (done) return;
    done = true;
    host.activeRequests--;
    c.endRequest();
    socket.destroy();
    upstream.destroy();
  };
  upstream.once('error', () => {
    if (!socket.writableEnded && upstream.bytesRead === 0) rejectUpgrade(socket, 503, 'Service Unavailable');
    close();
  });
  upstream.once('close', close);
  socket.once('close', close);
  socket.once('error', close);
}
