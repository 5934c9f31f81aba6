// Accept path of every listener: original destination, hand-off (use_original_dst), listener filters
// (tls_inspector / http_inspector sniffing), filter chain choice, then TLS termination and the network filter.
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { HttpRequestHandler } from '../http/http-handler.ts';
import { rbacAllows, type RbacSubject } from '../http/rbac-policy.ts';
import { kDownstream, type DownstreamContext, type WithContext } from '../runtime/downstream-context.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import { proxyTcp, type TcpDeps } from '../tcp/tcp-proxy.ts';
import { verifySans } from '../tls/san-verify.ts';
import { parseClientHello, sniffHttp } from './client-hello.ts';
import { selectFilterChain, type ConnectionFacts } from './filter-chain-select.ts';
import type { CompiledFilterChain, CompiledListener } from './listener-types.ts';
import { ReplaySocket } from './replay-socket.ts';

/** Finds a connection's pre-redirect destination; undefined when it was not redirected. */
export type OriginalDstLookup = (socket: net.Socket) => { address: string; port: number } | undefined;

/** What the accept path reads from the runtime. */
export interface ConnectionDeps extends TcpDeps {
  listenerForAddress(address: string, port: number): CompiledListener | undefined;
  readonly originalDst: OriginalDstLookup;
  readonly http: HttpRequestHandler;
  readonly log: Logger;
  readonly stats: StatsStore;
  readonly workerId: number;
}

const MAX_SNIFF_BYTES = 16 * 1024;

function stripMapped(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** Handles accepted sockets for all listeners of a runtime. */
export class ConnectionHandler {
  private readonly deps: ConnectionDeps;
  private readonly h1: http.Server;
  private readonly h2c: http2.Http2Server;
  private readonly tlsServers = new WeakMap<CompiledFilterChain, { alpn?: tls.Server; plain?: tls.Server }>();
  /** Never listens: takes decrypted sockets (HTTP/2 by ALPN, HTTP/1.1 otherwise) from the per-chain TLS servers. */
  private readonly h2tls: http2.Http2SecureServer;

  constructor(deps: ConnectionDeps) {
    this.deps = deps;
    const onRequest = deps.http.onRequest as http.RequestListener;
    // Envoy accepts 60 KiB of request headers by default (Node: 16 KiB).
    this.h1 = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 300_000, maxHeaderSize: 60 * 1024 }, onRequest);
    this.h1.on('upgrade', deps.http.onUpgrade);
    this.h1.on('clientError', (_e, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.h2c = http2.createServer({ maxSessionMemory: 64 }, deps.http.onRequest as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    this.h2c.on('sessionError', () => undefined);
    this.h2tls = http2.createSecureServer({ allowHTTP1: true }, deps.http.onRequest as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    this.h2tls.on('sessionError', () => undefined);
    this.h2tls.on('upgrade', deps.http.onUpgrade);
  }

  /** Entry point for a socket accepted by `listener`. */
  accept(socket: net.Socket, listener: CompiledListener): void {
    socket.on('error', () => undefined);
    const remoteAddress = stripMapped(socket.remoteAddress);
    let localAddress = stripMapped(socket.localAddress);
    let localPort = socket.localPort ?? 0;
    let originalDst: DownstreamContext['originalDst'];
    let target = listener;
    if (listener.useOriginalDst || listener.originalDstFilter) {
      let od: ReturnType<OriginalDstLookup>;
      try {
        od = this.deps.originalDst(socket);
      } catch {
        od = undefined;
      }
      if (od) {
        originalDst = { address: stripMapped(od.address), port: od.port };
        localAddress = originalDst.address;
        localPort = originalDst.port;
      }
      if (listener.useOriginalDst && od) {
        const handoff = this.deps.listenerForAddress(localAddress, localPort);
        if (handoff && handoff !== listener) target = handoff;
      }
    }
    // As in Envoy, the connection belongs to (and is counted on) the listener it was handed off to.
    const prefix = `listener.${target.address}_${target.port}.`;
    this.deps.stats.counter(`${prefix}downstream_cx_total`).inc();
    this.deps.stats.counter(`${prefix}worker_${this.deps.workerId}.downstream_cx_total`).inc();
    const base = { remoteAddress, remotePort: socket.remotePort ?? 0, localAddress, localPort, originalDst };
    if (target.tlsInspector || target.httpInspector) {
      this.sniff(socket, target.tlsInspector, target.httpInspector, target.listenerFiltersTimeoutMs, (buf) => this.route(socket, target, base, buf));
    } else {
      this.route(socket, target, base, undefined);
    }
  }

  // Reads until the inspectors can decide (or the listener filter timeout / size limit), then unshifts.
  private sniff(socket: net.Socket, tlsInspector: boolean, httpInspector: boolean, timeoutMs: number, done: (buf: Buffer) => void): void {
    let buf: Buffer = Buffer.alloc(0);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', finish);
      socket.pause();
      if (buf.length) socket.unshift(buf);
      done(buf);
    };
    const onData = (c: Buffer): void => {
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      if (buf.length >= MAX_SNIFF_BYTES) return finish();
      const hello = tlsInspector ? parseClientHello(buf) : 'not-tls';
      if (hello === 'need-more') return;
      if (hello === 'not-tls' && httpInspector && sniffHttp(buf) === 'need-more') return;
      finish();
    };
    // Envoy reads a listener_filters_timeout of 0 as "no timeout" (Istio's virtualInbound sets 0s): wait for the bytes.
    const timer = timeoutMs > 0 ? setTimeout(finish, timeoutMs) : undefined;
    socket.on('data', onData);
    socket.once('end', finish);
  }

  private route(socket: net.Socket, l: CompiledListener, base: Omit<DownstreamContext, 'listener' | 'listenerConfig' | 'chain' | 'tls' | 'peerCertificate' | 'serverName'>, buf: Buffer | undefined): void {
    let transportProtocol = 'raw_buffer';
    let serverName = '';
    let alpn: string[] = [];
    if (buf && l.tlsInspector) {
      const hello = parseClientHello(buf);
      if (hello !== 'need-more' && hello !== 'not-tls') {
        transportProtocol = 'tls';
        serverName = hello.serverName;
        alpn = hello.alpn;
      }
    }
    if (buf && l.httpInspector && transportProtocol === 'raw_buffer') {
      const h = sniffHttp(buf);
      if (h === 'h2c') alpn = ['h2c'];
      else if (h === 'http/1.1') alpn = ['http/1.1'];
    }
    const facts: ConnectionFacts = {
      destinationIp: base.localAddress,
      destinationPort: base.localPort,
      sourceIp: base.remoteAddress,
      sourcePort: base.remotePort,
      directSourceIp: base.remoteAddress,
      serverName,
      transportProtocol,
      applicationProtocols: alpn,
    };
    const chain = selectFilterChain(l, facts);
    if (!chain) {
      this.deps.stats.counter(`listener.${l.address}_${l.port}.no_filter_chain_match`).inc();
      socket.destroy();
      return;
    }
    const ctx: DownstreamContext = { ...base, serverName, listener: l.name, listenerConfig: l, chain, tls: false, peerCertificate: undefined };
    if (chain.tls) {
      if (chain.tls.pendingSecret !== undefined) {
        socket.destroy();
        return;
      }
      const carrier: Duplex & WithContext = buf && buf.length ? new ReplaySocket(socket) : socket;
      carrier[kDownstream] = ctx;
      // When the ClientHello was inspected and offers none of our protocols, use a server without ALPN so the
      // handshake succeeds as it does with Envoy (Node would otherwise answer no_application_protocol).
      const helloKnown = transportProtocol === 'tls';
      this.tlsServer(chain, helloKnown && !alpn.some((p) => this.chainAlpn(chain).includes(p)) && alpn.length > 0).emit('connection', carrier);
      if (carrier !== socket) socket.resume();
      return;
    }
    this.plaintext(socket, chain, ctx, buf);
  }

  private plaintext(socket: net.Socket, chain: CompiledFilterChain, ctx: DownstreamContext, buf: Buffer | undefined): void {
    if (!this.networkRbacAllows(chain, ctx)) {
      socket.destroy();
      return;
    }
    const net = chain.network;
    if (net.kind === 'tcp') {
      proxyTcp(this.deps, net, socket, ctx);
      return;
    }
    if (buf === undefined && net.codec === 'AUTO') {
      // No listener filter looked at the bytes yet: peek just enough to tell HTTP/2 prior knowledge from HTTP/1.
      this.sniff(socket, false, true, 15_000, (b) => this.plaintext(socket, chain, ctx, b));
      return;
    }
    const h2 = net.codec === 'HTTP2' || (net.codec === 'AUTO' && buf !== undefined && sniffHttp(buf) === 'h2c');
    const stats = this.deps.http.statsFor(net.statPrefix);
    stats.cxTotal.inc();
    stats.cxActive.inc();
    socket.once('close', () => stats.cxActive.dec());
    if (h2) {
      stats.cxHttp2Total.inc();
      const carrier: Duplex & WithContext = buf && buf.length ? new ReplaySocket(socket) : socket;
      carrier[kDownstream] = ctx;
      this.h2c.emit('connection', carrier);
      socket.resume();
    } else {
      stats.cxHttp1Total.inc();
      (socket as net.Socket & WithContext)[kDownstream] = ctx;
      this.h1.emit('connection', socket);
      socket.resume();
    }
  }

  // One TLS server per filter chain: tls.Server for tcp_proxy, an HTTP/2 secure server (with HTTP/1.1 fallback)
  // for the HTTP connection manager. Both verify SANs of client certificates after the handshake.
  private chainAlpn(chain: CompiledFilterChain): string[] {
    const t = chain.tls;
    return t && t.alpn.length ? [...t.alpn] : chain.network.kind === 'http' ? ['h2', 'http/1.1'] : [];
  }

  private tlsServer(chain: CompiledFilterChain, withoutAlpn: boolean): tls.Server {
    let pair = this.tlsServers.get(chain);
    if (!pair) this.tlsServers.set(chain, (pair = {}));
    const existing = withoutAlpn ? pair.plain : pair.alpn;
    if (existing) return existing;
    const t = chain.tls;
    if (!t) throw new Error('filter chain has no TLS context');
    const alpn = withoutAlpn ? [] : this.chainAlpn(chain);
    const opts: tls.TlsOptions = { cert: t.cert, key: t.key, requestCert: t.ca !== undefined, rejectUnauthorized: t.requireClientCert };
    if (t.ca !== undefined) opts.ca = t.ca;
    if (alpn.length) opts.ALPNProtocols = alpn;
    const s = tls.createServer(opts);
    s.on('secureConnection', (ts: tls.TLSSocket) => this.onSecure(ts, chain));
    s.on('tlsClientError', () => undefined);
    if (withoutAlpn) pair.plain = s;
    else pair.alpn = s;
    return s;
  }

  private onSecure(ts: tls.TLSSocket & WithContext, chain: CompiledFilterChain): void {
    // The TLS socket wraps our carrier: a net.Socket (_parent) or a ReplaySocket (through the JS stream wrap).
    const internal = ts as unknown as { _parent?: WithContext; _handle?: { _parentWrap?: { stream?: WithContext } } };
    const base = internal._parent?.[kDownstream] ?? internal._handle?._parentWrap?.stream?.[kDownstream];
    if (!base) {
      ts.destroy();
      return;
    }
    const peer = ts.getPeerCertificate();
    const ctx: DownstreamContext = { ...base, tls: true, peerCertificate: peer && Object.keys(peer).length ? peer : undefined };
    ts[kDownstream] = ctx;
    const t = chain.tls;
    if (t && t.sanMatchers.length && verifySans(ctx.peerCertificate, t.sanMatchers) !== undefined) {
      this.deps.log.debug({ listener: ctx.listener }, 'client certificate SAN rejected');
      ts.destroy();
      return;
    }
    if (!this.networkRbacAllows(chain, ctx)) {
      ts.destroy();
      return;
    }
    if (chain.network.kind === 'tcp') proxyTcp(this.deps, chain.network, ts, ctx);
    else {
      const stats = this.deps.http.statsFor(chain.network.statPrefix);
      stats.cxTotal.inc();
      stats.cxActive.inc();
      ts.once('close', () => stats.cxActive.dec());
      const alpn = ts.alpnProtocol;
      if (alpn === 'h2' || alpn === 'http/1.1') {
        (alpn === 'h2' ? stats.cxHttp2Total : stats.cxHttp1Total).inc();
        // The HTTP/2 secure server's connection listener speaks h2 when ALPN chose it and HTTP/1.1 otherwise.
        this.h2tls.emit('secureConnection', ts);
        return;
      }
      // No HTTP protocol negotiated (a mesh peer offers istio-h2 / istio-http/1.1, which the chain's TLS context
      // does not list): like Envoy's AUTO codec, tell HTTP/2 from HTTP/1 by the connection preface.
      this.sniff(ts, false, true, 15_000, (buf) => {
        if (sniffHttp(buf) === 'h2c') {
          stats.cxHttp2Total.inc();
          const carrier: Duplex & WithContext = buf.length ? new ReplaySocket(ts) : ts;
          carrier[kDownstream] = ctx;
          this.h2c.emit('connection', carrier);
        } else {
          stats.cxHttp1Total.inc();
          this.h2tls.emit('secureConnection', ts);
        }
        ts.resume();
      });
    }
  }

  private networkRbacAllows(chain: CompiledFilterChain, ctx: DownstreamContext): boolean {
    if (chain.rbac.length === 0) return true;
    const subject: RbacSubject = { header: undefined, path: undefined, destinationIp: ctx.localAddress, destinationPort: ctx.localPort, remoteIp: ctx.remoteAddress, peer: ctx.peerCertificate, serverName: ctx.serverName };
    for (const p of chain.rbac) {
      if (!rbacAllows(p, subject)) {
        this.deps.stats.counter(`rbac.denied`).inc();
        return false;
      }
    }
    return true;
  }

  /** Closes the shared HTTP servers' idle connections (shutdown). */
  close(): void {
    this.h1.closeAllConnections();
  }
}
