// Forwards one request along a route: cluster choice, rewrites, header edits, retries with backoff, per-try and
// route timeouts, circuit breakers, outlier feedback, mirrors, and streaming the response back.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { AttemptOutcome, ClusterRuntime } from '../cluster/cluster-runtime.ts';
import type { AccessLogRecord } from '../http/access-log.ts';
import { alpnFor } from '../http/alpn-override.ts';
import { applyClientCert } from '../http/client-cert-header.ts';
import type { CompiledHcm } from '../http/compile-hcm.ts';
import { resetResponse, sendLocalReply, type DownstreamResponse } from '../http/local-reply.ts';
import type { UpstreamHost } from '../lb/upstream-host.ts';
import type { DownstreamContext } from '../runtime/downstream-context.ts';
import { addForwardingHeaders, downstreamResponseHeaders, upstreamRequestHeaders } from './forward-headers.ts';
import { applyHeaderOps, type HeaderBag, type HeaderVars } from './header-ops.ts';
import { RequestBody } from './request-body.ts';
import { computeHash } from './route-hash.ts';
import type { RequestView } from './route-select.ts';
import type { CompiledRoute, CompiledRouteConfig, CompiledVirtualHost, ForwardAction, RetryPolicy, WeightedCluster } from './route-types.ts';
import { backoffMs, isRetriable } from './retry-decision.ts';
import { grpcTimeoutMs } from './grpc-timeout.ts';
import { rewritePath } from './path-rewrite.ts';
import { sendMirrors } from './request-mirror.ts';
import { UpstreamAttempt, type UpstreamRequestHead, type UpstreamResponse } from './upstream-attempt.ts';

/** What the forwarder needs from the runtime. */
export interface ForwardDeps {
  cluster(name: string): ClusterRuntime | undefined;
  readonly hostname: string;
}

type DownstreamRequest = IncomingMessage | Http2ServerRequest;

/** Everything known about the request when forwarding starts. */
export interface ForwardInput {
  readonly req: DownstreamRequest;
  readonly res: DownstreamResponse;
  readonly view: RequestView;
  readonly ctx: DownstreamContext;
  readonly hcm: CompiledHcm;
  readonly rc: CompiledRouteConfig;
  readonly vh: CompiledVirtualHost;
  readonly route: CompiledRoute;
  readonly action: ForwardAction;
  /** Set when the HCM writes access logs: the forwarder records upstream and response flags. */
  readonly log: AccessLogRecord | undefined;
}

function pickWeighted(w: NonNullable<ForwardAction['weighted']>): WeightedCluster {
  let r = Math.random() * w.total;
  for (const c of w.clusters) {
    if (r < c.weight) return c;
    r -= c.weight;
  }
  return w.clusters[w.clusters.length - 1] as WeightedCluster;
}

/** One forwarded request; a fresh object per request holding only its own state. */
export class Exchange {
  private readonly deps: ForwardDeps;
  private readonly in: ForwardInput;
  private readonly body: RequestBody;
  private readonly retry: RetryPolicy | undefined;
  private cluster: ClusterRuntime | undefined;
  private weighted: WeightedCluster | undefined;
  private head: UpstreamRequestHead | undefined;
  private attempt: UpstreamAttempt | undefined;
  private attemptNo = 0;
  private readonly tried: UpstreamHost[] = [];
  private hash: number | undefined;
  private setCookie: string | undefined;
  private globalTimer: NodeJS.Timeout | undefined;
  private perTryTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private slotHeld = false;
  private retrySlotHeld = false;
  private readonly startedAt = Date.now();
  private readonly vars: HeaderVars;

  constructor(deps: ForwardDeps, input: ForwardInput) {
    this.deps = deps;
    this.in = input;
    const req = input.req;
    const len = req.headers['content-length'];
    const hasBody = (req.httpVersionMajor >= 2 ? !(req as Http2ServerRequest).stream.readableEnded : req.headers['transfer-encoding'] !== undefined) || (len !== undefined && len !== '0');
    this.retry = input.action.retry ?? input.vh.retry;
    this.body = new RequestBody(req, 1024 * 1024, hasBody);
    this.vars = {
      downstreamRemoteAddress: input.ctx.remoteAddress,
      downstreamRemotePort: input.ctx.remotePort,
      downstreamLocalAddress: input.ctx.localAddress,
      downstreamLocalPort: input.ctx.localPort,
      hostname: deps.hostname,
    };
  }

  /** Starts forwarding. */
  start(): void {
    const { action, res, view } = this.in;
    let name: string | undefined = action.cluster;
    if (action.weighted) {
      this.weighted = pickWeighted(action.weighted);
      name = this.weighted.name;
    } else if (action.clusterHeader) {
      name = view.header(action.clusterHeader);
    }
    this.cluster = name === undefined ? undefined : this.deps.cluster(name);
    if (this.in.log) this.in.log.upstreamCluster = name ?? '';
    if (!this.cluster) {
      this.flag('NC');
      this.localReply(503, '', {});
      return;
    }
    this.head = this.buildHead();
    if (this.in.log) this.in.log.forwardedHeaders = this.head.headers;
    const h = computeHash(action.hashPolicies, view, this.in.ctx.remoteAddress);
    this.hash = h.hash;
    this.setCookie = h.setCookie;
    res.once('close', () => this.onDownstreamClose());
    const timeoutMs = this.effectiveTimeout();
    if (timeoutMs > 0) this.globalTimer = setTimeout(() => this.onGlobalTimeout(), timeoutMs);
    this.sendMirrors();
    this.tryOnce();
  }

  // The route timeout, or the gRPC client's grpc-timeout when max_stream_duration.grpc_timeout_header_max says so.
  private effectiveTimeout(): number {
    const a = this.in.action;
    const max = a.grpcTimeoutHeaderMaxMs;
    if (max === undefined) return a.timeoutMs;
    const g = grpcTimeoutMs(this.in.view.header('grpc-timeout'));
    if (g === undefined) return a.timeoutMs;
    return max > 0 ? Math.min(g, max) : g;
  }

  private buildHead(): UpstreamRequestHead {
    const { req, view, action, route, vh, rc, ctx, hcm } = this.in;
    const headers = upstreamRequestHeaders(req.headers);
    addForwardingHeaders(headers, ctx.tls, ctx.remoteAddress, hcm.useRemoteAddress);
    applyClientCert(headers, hcm.clientCert, ctx.tls ? ctx.peerCertificate : undefined, ctx.chain.tls?.cert);
    const bag = headers as HeaderBag;
    if (this.weighted) applyHeaderOps(bag, this.weighted.requestHeaders, this.vars);
    applyHeaderOps(bag, route.requestHeaders, this.vars);
    applyHeaderOps(bag, vh.requestHeaders, this.vars);
    applyHeaderOps(bag, rc.requestHeaders, this.vars);
    let path = view.path;
    const rewritten = rewritePath(route, action, path);
    if (rewritten !== undefined) {
      headers['x-envoy-original-path'] = path;
      path = rewritten;
    }
    let authority = view.authority;
    if (action.hostRewrite !== undefined) authority = action.hostRewrite;
    else if (action.hostRewriteHeader !== undefined) authority = view.header(action.hostRewriteHeader) ?? authority;
    if (authority !== view.authority) headers['x-forwarded-host'] = view.authority;
    if (action.timeoutMs > 0) headers['x-envoy-expected-rq-timeout-ms'] = String(action.timeoutMs);
    return { method: view.method, path, authority, scheme: view.scheme, headers };
  }

  private useHttp2(): boolean {
    const p = (this.cluster as ClusterRuntime).config.protocol;
    return p === 'http2' || (p === 'downstream' && this.in.req.httpVersionMajor >= 2);
  }

  private pickHost(): UpstreamHost | undefined {
    const c = this.cluster as ClusterRuntime;
    const od = c.config.useHttpHeaderForOriginalDst ? this.headerOriginalDst() : this.in.ctx.originalDst;
    let host = c.pickHost(this.hash, od);
    if (this.retry?.avoidPreviousHosts && host && this.tried.includes(host)) {
      for (let i = 0; i < 3 && host && this.tried.includes(host); i++) host = c.pickHost(this.hash, od);
    }
    return host;
  }

  private headerOriginalDst(): { address: string; port: number } | undefined {
    const v = this.in.view.header('x-envoy-original-dst-host');
    if (!v) return this.in.ctx.originalDst;
    const i = v.lastIndexOf(':');
    return i > 0 ? { address: v.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(v.slice(i + 1)) } : undefined;
  }

  private tryOnce(): void {
    if (this.finished) return;
    const c = this.cluster as ClusterRuntime;
    const h2 = this.useHttp2();
    if (!this.slotHeld) {
      if (!c.tryStartRequest(h2)) {
        this.flag('UO');
        this.localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow', { 'x-envoy-overloaded': 'true' });
        return;
      }
      this.slotHeld = true;
    }
    const host = this.pickHost();
    if (!host) {
      c.stats.cxNoneHealthy.inc();
      this.flag('UH');
      this.localReply(503, 'no healthy upstream', {});
      return;
    }
    this.tried.push(host);
    this.attemptNo++;
    if (this.in.log) this.in.log.upstreamHost = host.key;
    c.stats.rqTotal.inc();
    const head = this.head as UpstreamRequestHead;
    // The first attempt sends the prepared head as is; later ones (and auto host rewrite) get their own copy.
    let attemptHead = head;
    const countAttempts = this.attemptNo > 1 || this.in.vh.includeAttemptCount;
    if (countAttempts || this.in.action.autoHostRewrite) {
      attemptHead = { ...head, headers: { ...head.headers } };
      if (countAttempts) attemptHead.headers['x-envoy-attempt-count'] = String(this.attemptNo);
      if (this.in.action.autoHostRewrite) attemptHead.authority = host.key;
    }
    const perTry = this.retry?.perTryTimeoutMs ?? 0;
    const alpn = alpnFor(this.in.hcm.alpnOverride, h2, this.in.req.httpVersion);
    const attempt = new UpstreamAttempt(
      c,
      host,
      attemptHead,
      this.body,
      h2,
      {
        onResponse: (r) => this.onResponse(attempt, r),
        onFailure: (kind, detail) => this.onAttemptFailed(attempt, kind, detail),
      },
      alpn,
    );
    this.attempt = attempt;
    if (perTry > 0) {
      this.perTryTimer = setTimeout(() => {
        if (this.attempt !== attempt || this.finished) return;
        c.stats.rqPerTryTimeout.inc();
        attempt.abort();
        this.onAttemptFailed(attempt, 'timeout', 'per-try timeout');
      }, perTry);
    }
  }

  private clearPerTry(): void {
    if (this.perTryTimer) clearTimeout(this.perTryTimer);
    this.perTryTimer = undefined;
  }

  private canRetry(outcome: AttemptOutcome, grpcStatus: number | undefined): boolean {
    const p = this.retry;
    if (!p || this.attemptNo > p.numRetries || this.finished) return false;
    if (!isRetriable(p, outcome, grpcStatus)) return false;
    if (!this.body.replayable(false) || this.body.aborted) return false;
    return true;
  }

  private scheduleRetry(): boolean {
    const c = this.cluster as ClusterRuntime;
    if (!this.retrySlotHeld) {
      if (!c.tryStartRetry()) return false;
      this.retrySlotHeld = true;
    } else {
      c.stats.rqRetry.inc();
    }
    const delay = backoffMs(this.retry as RetryPolicy, this.attemptNo);
    const t = setTimeout(() => this.tryOnce(), delay);
    t.unref();
    return true;
  }

  private onAttemptFailed(attempt: UpstreamAttempt, kind: AttemptOutcome & string, detail: string): void {
    if (this.attempt !== attempt || this.finished) return;
    this.clearPerTry();
    const c = this.cluster as ClusterRuntime;
    c.recordOutcome(attempt.host, kind);
    if (kind === 'reset') c.stats.rqRxReset.inc();
    if (this.canRetry(kind, undefined) && this.scheduleRetry()) return;
    if (this.retry && this.attemptNo > 1) this.flag('URX');
    if (kind === 'timeout') {
      c.stats.rqTimeout.inc();
      this.flag('UT');
      this.localReply(504, 'upstream request timeout', {});
      return;
    }
    this.flag(kind === 'connect-failure' ? 'UF' : 'UC');
    const reason = kind === 'connect-failure' ? `connection failure, transport failure reason: ${detail}` : `connection termination`;
    this.localReply(503, `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`, {});
  }

  private onResponse(attempt: UpstreamAttempt, r: UpstreamResponse): void {
    if (this.attempt !== attempt || this.finished) {
      r.body.resume();
      return;
    }
    this.clearPerTry();
    const c = this.cluster as ClusterRuntime;
    c.recordOutcome(attempt.host, r.status);
    c.stats.response(r.status);
    const grpc = r.headers['grpc-status'];
    const grpcStatus = grpc !== undefined ? Number(grpc) : undefined;
    if (this.canRetry(r.status, grpcStatus) && this.scheduleRetry()) {
      r.body.resume();
      return;
    }
    if (this.retrySlotHeld && r.status < 500) c.stats.rqRetrySuccess.inc();
    this.respond(r);
  }

  private respond(r: UpstreamResponse): void {
    const { res, route, vh, rc, hcm } = this.in;
    if (this.globalTimer) clearTimeout(this.globalTimer);
    const headers = downstreamResponseHeaders(r.headers);
    const bag = headers as HeaderBag;
    if (this.weighted) applyHeaderOps(bag, this.weighted.responseHeaders, this.vars);
    applyHeaderOps(bag, route.responseHeaders, this.vars);
    applyHeaderOps(bag, vh.responseHeaders, this.vars);
    applyHeaderOps(bag, rc.responseHeaders, this.vars);
    headers['x-envoy-upstream-service-time'] = String(Date.now() - this.startedAt);
    headers['server'] = hcm.serverName;
    if (this.setCookie) headers['set-cookie'] = this.setCookie;
    if (this.in.log) this.in.log.responseHeaders = headers;
    if (this.in.req.httpVersionMajor >= 2) delete headers['keep-alive'];
    try {
      (res as ServerResponse).writeHead(r.status, headers as OutgoingHttpHeaders);
    } catch {
      resetResponse(res);
      this.end();
      return;
    }
    r.onTrailers((t) => {
      const tr: IncomingHttpHeaders = {};
      for (const k in t) if (k.charCodeAt(0) !== 58) tr[k] = t[k];
      (res as { addTrailers(h: IncomingHttpHeaders): void }).addTrailers(tr);
    });
    const body = r.body;
    const log = this.in.log;
    body.on('data', (chunk: Buffer) => {
      if (log) log.bytesSent += chunk.length;
      if (!(res as NodeJS.WritableStream).write(chunk)) {
        body.pause();
        (res as NodeJS.EventEmitter).once('drain', () => body.resume());
      }
    });
    body.once('end', () => {
      // Trailers were added already: HTTP/2 emits 'trailers' before 'end', and the HTTP/1.1 trailer listener
      // was registered on 'end' before this one.
      res.end();
      this.end();
    });
    body.once('error', () => {
      resetResponse(res);
      this.end();
    });
  }

  private flag(f: string): void {
    this.in.log?.flags.push(f);
  }

  private localReply(status: number, text: string, headers: Record<string, string>): void {
    if (this.finished) return;
    sendLocalReply(this.in.res, status, text, headers, this.in.hcm.serverName);
    this.end();
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearPerTry();
    if (this.globalTimer) clearTimeout(this.globalTimer);
    const c = this.cluster;
    if (c && this.slotHeld) c.endRequest();
    if (c && this.retrySlotHeld) c.endRetry();
    this.slotHeld = false;
    this.retrySlotHeld = false;
  }

  private onGlobalTimeout(): void {
    if (this.finished || this.in.res.headersSent) return;
    this.attempt?.abort();
    this.cluster?.stats.rqTimeout.inc();
    this.flag('UT');
    if (this.attempt) this.cluster?.recordOutcome(this.attempt.host, 'timeout');
    this.localReply(504, 'upstream request timeout', {});
  }

  private onDownstreamClose(): void {
    if (this.finished) return;
    this.attempt?.abort();
    this.end();
  }

  private sendMirrors(): void {
    if (this.in.action.mirrors.length) sendMirrors(this.deps, this.in, this.head as UpstreamRequestHead, this.hash, this.body);
  }
}
