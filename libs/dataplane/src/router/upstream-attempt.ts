// One upstream try over HTTP/1.1 (pooled agent) or HTTP/2 (shared session): reports response headers or a
// classified failure (connect-failure, reset) exactly once.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { ClusterRuntime } from '../cluster/cluster-runtime.ts';
import { withAlpn } from '../http/alpn-override.ts';
import type { UpstreamHost } from '../lb/upstream-host.ts';
import type { TlsClientConfig } from '../tls/tls-types.ts';
import type { RequestBody } from './request-body.ts';

/** Request line and headers for an upstream (headers are lowercase, without pseudo or hop-by-hop headers). */
export interface UpstreamRequestHead {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  headers: http.OutgoingHttpHeaders;
}

/** The upstream's response head and body. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Readable;
  /** Registers a callback for trailers (called at most once, before body end completes downstream). */
  onTrailers(cb: (t: http.IncomingHttpHeaders) => void): void;
}

export type AttemptFailure = 'connect-failure' | 'reset';

/** Callbacks of an attempt (exactly one of them fires). */
export interface AttemptCallbacks {
  onResponse(r: UpstreamResponse): void;
  onFailure(kind: AttemptFailure, detail: string): void;
}

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_AUTHORITY, HTTP2_HEADER_SCHEME, HTTP2_HEADER_STATUS } = http2.constants;

/** A started upstream request; abort() resets it (per-try timeout, downstream gone). */
export class UpstreamAttempt {
  readonly host: UpstreamHost;
  private readonly cluster: ClusterRuntime;
  private readonly cb: AttemptCallbacks;
  private readonly body: RequestBody;
  private done = false;
  private staleRetried = false;
  private h1: http.ClientRequest | undefined;
  private h2: http2.ClientHttp2Stream | undefined;
  private connectTimer: NodeJS.Timeout | undefined;

  /** `alpn` replaces the TLS ALPN list of the cluster (Istio's istio.alpn filter), when given. */
  constructor(cluster: ClusterRuntime, host: UpstreamHost, head: UpstreamRequestHead, body: RequestBody, useHttp2: boolean, cb: AttemptCallbacks, alpn?: readonly string[]) {
    this.cluster = cluster;
    this.host = host;
    this.cb = cb;
    this.body = body;
    host.activeRequests++;
    host.requestsTotal++;
    const clusterTls = cluster.tlsFor(host);
    const tls = clusterTls === undefined ? undefined : withAlpn(clusterTls, alpn);
    const pending = tls?.pendingSecret;
    if (pending !== undefined) {
      queueMicrotask(() => this.fail('connect-failure', `TLS secret "${pending}" is not ready`));
      return;
    }
    if (useHttp2) this.startHttp2(head, tls);
    else this.startHttp1(head, tls);
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.host.activeRequests--;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    return true;
  }

  private fail(kind: AttemptFailure, detail: string): void {
    if (!this.finish()) return;
    if (kind === 'connect-failure') this.cluster.stats.cxConnectFail.inc();
    if (this.h1) this.body.detach(this.h1);
    if (this.h2) this.body.detach(this.h2);
    this.cb.onFailure(kind, detail);
  }

  private startHttp1(head: UpstreamRequestHead, tls: TlsClientConfig | undefined): void {
    const spec = this.host.spec;
    const headers = head.headers;
    headers['host'] = head.authority;
    const opts: http.RequestOptions = {
      agent: this.cluster.pool.agent(tls),
      method: head.method,
      path: head.path,
      headers,
      setHost: false,
    };
    if (spec.pipe !== undefined) opts.socketPath = spec.pipe;
    else {
      opts.host = spec.address;
      opts.port = spec.port;
    }
    let req: http.ClientRequest;
    try {
      req = tls ? https.request({ ...opts, protocol: 'https:', servername: tls.sni }) : http.request(opts);
    } catch (e) {
      queueMicrotask(() => this.fail('connect-failure', (e as Error).message));
      return;
    }
    this.h1 = req;
    let connected = false;
    req.on('socket', (s) => {
      const sock = s as typeof s & { connecting?: boolean };
      if (!sock.connecting) {
        connected = true;
        return;
      }
      this.connectTimer = setTimeout(() => {
        this.cluster.stats.cxConnectTimeout.inc();
        this.fail('connect-failure', 'connect timeout');
        req.destroy();
      }, this.cluster.config.connectTimeoutMs);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        connected = true;
        if (this.connectTimer) clearTimeout(this.connectTimer);
      });
    });
    req.on('response', (res) => {
      if (!this.finish()) {
        res.resume();
        return;
      }
      this.cb.onResponse({
        status: res.statusCode ?? 502,
        headers: res.headers,
        body: res,
        onTrailers(cb) {
          res.once('end', () => {
            if (Object.keys(res.trailers).length) cb(res.trailers);
          });
        },
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      // A pooled keep-alive connection the upstream closed while idle: the request never reached the server,
      // so it is sent again once on a fresh connection (Node's documented remedy for this race).
      if (req.reusedSocket && !this.staleRetried && !this.done && (e.code === 'ECONNRESET' || e.code === 'EPIPE') && this.body.replayable(false)) {
        this.staleRetried = true;
        this.body.detach(req);
        // Let the agent drop the dead socket before asking it for another one.
        setImmediate(() => {
          if (!this.done) this.startHttp1(head, tls);
        });
        return;
      }
      this.fail(connected ? 'reset' : 'connect-failure', e.code ?? e.message);
    });
    this.body.attach(req);
  }

  private startHttp2(head: UpstreamRequestHead, tls: TlsClientConfig | undefined): void {
    let session: http2.ClientHttp2Session;
    try {
      session = this.cluster.pool.session(this.host, tls, this.cluster.config.connectTimeoutMs);
    } catch (e) {
      queueMicrotask(() => this.fail('connect-failure', (e as Error).message));
      return;
    }
    const wasConnecting = session.connecting;
    const h: http2.OutgoingHttpHeaders = { ...head.headers };
    h[HTTP2_HEADER_METHOD] = head.method;
    h[HTTP2_HEADER_PATH] = head.path;
    h[HTTP2_HEADER_AUTHORITY] = head.authority;
    h[HTTP2_HEADER_SCHEME] = tls ? 'https' : 'http';
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(h, { endStream: false });
    } catch (e) {
      queueMicrotask(() => this.fail(wasConnecting ? 'connect-failure' : 'reset', (e as Error).message));
      return;
    }
    this.h2 = stream;
    stream.on('response', (rh) => {
      if (!this.finish()) return;
      const status = Number(rh[HTTP2_HEADER_STATUS] ?? 502);
      const headers: http.IncomingHttpHeaders = {};
      for (const k in rh) if (k.charCodeAt(0) !== 58) headers[k] = rh[k] as string;
      this.cb.onResponse({
        status,
        headers,
        body: stream,
        onTrailers(cb) {
          stream.once('trailers', (t) => cb(t as http.IncomingHttpHeaders));
        },
      });
    });
    stream.on('error', (e: NodeJS.ErrnoException) => {
      const neverConnected = wasConnecting && !session.encrypted && session.connecting;
      this.fail(neverConnected || e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT' ? 'connect-failure' : 'reset', e.code ?? e.message);
    });
    stream.on('close', () => {
      if (!this.done) this.fail(session.connecting || (wasConnecting && session.destroyed) ? 'connect-failure' : 'reset', `stream closed (code ${stream.rstCode})`);
    });
    this.body.attach(stream);
  }

  /** Resets the upstream request (per-try or global timeout, downstream reset, or a lost race). */
  abort(): void {
    this.finish();
    if (this.h1) {
      this.body.detach(this.h1);
      this.h1.destroy();
    }
    if (this.h2) {
      this.body.detach(this.h2);
      if (!this.h2.destroyed) this.h2.close(http2.constants.NGHTTP2_CANCEL);
    }
  }
}
