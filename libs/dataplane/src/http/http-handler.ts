// The HTTP connection manager's per-request path: route lookup, CORS, fault injection, then the route action.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import { Exchange, type ForwardDeps } from '../router/forwarder.ts';
import { selectRoute, selectVirtualHost } from '../router/route-select.ts';
import type { CompiledRoute, CompiledRouteConfig, CompiledVirtualHost, RedirectAction } from '../router/route-types.ts';
import { kDownstream, type DownstreamContext, type WithContext } from '../runtime/downstream-context.ts';
import type { StatsStore } from '../stats/stats-store.ts';
import type { CompiledHcm } from './compile-hcm.ts';
import { corsOriginAllowed, type CorsPolicy } from './cors-policy.ts';
import { HttpStats } from './http-stats.ts';
import { sendLocalReply, type DownstreamResponse } from './local-reply.ts';
import { DownstreamRequestView } from './request-view.ts';
import { proxyUpgrade } from './upgrade-proxy.ts';
import { writeAccessLogs, type AccessLogRecord } from './access-log.ts';
import { rbacAllows, type RbacSubject } from './rbac-policy.ts';

/** What the HTTP path reads from the runtime. */
export interface HttpDeps extends ForwardDeps {
  routeConfig(name: string): CompiledRouteConfig | undefined;
  /** True once /drain_listeners (or shutdown) started: connections are closed after their current request. */
  isDraining(): boolean;
  /** The current compiled listener of that name (undefined once removed). */
  currentListener(name: string): DownstreamContext['listenerConfig'] | undefined;
  readonly stats: StatsStore;
}

type Req = IncomingMessage | Http2ServerRequest;

/** Finds the downstream context of a request (HTTP/1.1 socket or HTTP/2 session socket). */
export function contextOf(req: Req): DownstreamContext | undefined {
  const sock = (req.httpVersionMajor >= 2 ? (req as Http2ServerRequest).stream.session?.socket : req.socket) as unknown as (WithContext & { stream?: WithContext }) | undefined;
  // A ReplaySocket under HTTP/2 is wrapped by Node in a JS stream socket that exposes it as `.stream`.
  return sock?.[kDownstream] ?? sock?.stream?.[kDownstream];
}

/** Handles requests for every HTTP connection manager of the runtime. */
export class HttpRequestHandler {
  private readonly deps: HttpDeps;
  private readonly statsByPrefix = new Map<string, HttpStats>();
  /** Bound once; passed to node:http and node:http2 servers as the request listener. */
  readonly onRequest: (req: Req, res: DownstreamResponse) => void;
  /** Bound once; the HTTP/1.1 server's 'upgrade' listener. */
  readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

  constructor(deps: HttpDeps) {
    this.deps = deps;
    this.onRequest = (req, res) => this.handle(req, res);
    this.onUpgrade = (req, socket, head) => this.upgrade(req, socket, head);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const ctx = contextOf(req);
    if (!ctx || ctx.chain.network.kind !== 'http') {
      socket.destroy();
      return;
    }
    const hcm = ctx.chain.network;
    this.statsFor(hcm.statPrefix).rqTotal.inc();
    const rc = hcm.routeConfig ?? (hcm.rdsName !== undefined ? this.deps.routeConfig(hcm.rdsName) : undefined);
    const view = new DownstreamRequestView(req, ctx.tls);
    if (hcm.rbac.length && !this.rbacAllows(hcm, ctx, view)) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 19\r\nconnection: close\r\n\r\nRBAC: access denied');
      return;
    }
    const vh = rc ? selectVirtualHost(rc, view.authority) : undefined;
    const route = vh ? selectRoute(vh, view) : undefined;
    if (!rc || !vh || !route) {
      this.statsFor(hcm.statPrefix).noRoute.inc();
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    proxyUpgrade(req, socket, head, ctx, route, vh, rc, (n) => this.deps.cluster(n));
  }

  /** The stats object of an HCM stat prefix. */
  statsFor(prefix: string): HttpStats {
    let s = this.statsByPrefix.get(prefix);
    if (!s) {
      s = new HttpStats(this.deps.stats, prefix);
      this.statsByPrefix.set(prefix, s);
    }
    return s;
  }

  private handle(req: Req, res: DownstreamResponse): void {
    const ctx = contextOf(req);
    if (!ctx || ctx.chain.network.kind !== 'http') {
      sendLocalReply(res, 500, 'no connection context');
      return;
    }
    const hcm = ctx.chain.network;
    // A connection accepted under a listener version that has since changed or gone is drained: HTTP/1.1 gets
    // "connection: close" so the client reconnects to the current config (Envoy drains old listeners the same way).
    const outdated = this.deps.isDraining() || this.deps.currentListener(ctx.listener) !== ctx.listenerConfig;
    if (outdated) {
      if (req.httpVersionMajor < 2) (res as ServerResponse).shouldKeepAlive = false;
      else drainSession(req as Http2ServerRequest);
    }
    const stats = this.statsFor(hcm.statPrefix);
    stats.rqTotal.inc();
    stats.rqActive.inc();
    const log = hcm.accessLogs.length ? this.startLog(req, res, ctx) : undefined;
    res.once('close', () => {
      stats.rqActive.dec();
      stats.response(res.statusCode);
      if (log) {
        log.status = res.statusCode;
        if (log.bytesSent === 0) {
          const sent = log.responseHeader('content-length');
          log.bytesSent = sent === undefined ? 0 : Number(sent) || 0;
        }
        writeAccessLogs(hcm.accessLogs, log);
      }
    });
    const rc = hcm.routeConfig ?? (hcm.rdsName !== undefined ? this.deps.routeConfig(hcm.rdsName) : undefined);
    const view = new DownstreamRequestView(req, ctx.tls);
    if (hcm.rbac.length && !this.rbacAllows(hcm, ctx, view)) {
      stats.rbacDenied.inc();
      sendLocalReply(res, 403, 'RBAC: access denied', {}, hcm.serverName);
      req.resume();
      return;
    }
    const vh = rc ? selectVirtualHost(rc, view.authority) : undefined;
    const route = vh ? selectRoute(vh, view) : undefined;
    if (!rc || !vh || !route) {
      stats.noRoute.inc();
      log?.flags.push('NR');
      sendLocalReply(res, 404, '', {}, hcm.serverName);
      req.resume();
      return;
    }
    if (hcm.corsEnabled) {
      const policy = route.cors ?? vh.cors;
      const origin = view.header('origin');
      if (policy && origin !== undefined && corsOriginAllowed(policy, origin)) {
        if (view.method === 'OPTIONS' && view.header('access-control-request-method') !== undefined) {
          stats.corsPreflight.inc();
          this.preflight(res, policy, origin, hcm);
          req.resume();
          return;
        }
        this.addCorsHeaders(res, policy, origin);
      }
    }
    const fault = hcm.faultEnabled ? (route.fault ?? vh.fault ?? hcm.fault) : undefined;
    if (fault) {
      if (fault.delayMs !== undefined && Math.random() < fault.delayFraction) {
        stats.faultDelays.inc();
        log?.flags.push('DI');
        const t = setTimeout(() => this.afterDelay(req, res, view, ctx, hcm, rc, vh, route, stats, log), fault.delayMs);
        res.once('close', () => clearTimeout(t));
        return;
      }
    }
    if (log) log.routeName = route.name;
    this.afterDelay(req, res, view, ctx, hcm, rc, vh, route, stats, log);
  }

  private afterDelay(req: Req, res: DownstreamResponse, view: DownstreamRequestView, ctx: DownstreamContext, hcm: CompiledHcm, rc: CompiledRouteConfig, vh: CompiledVirtualHost, route: CompiledRoute, stats: HttpStats, log: AccessLogRecord | undefined): void {
    if (res.writableEnded || res.destroyed) return;
    const fault = hcm.faultEnabled ? (route.fault ?? vh.fault ?? hcm.fault) : undefined;
    if (fault && (fault.abortStatus !== undefined || fault.abortGrpcStatus !== undefined) && Math.random() < fault.abortFraction) {
      stats.faultAborts.inc();
      log?.flags.push('FI');
      req.resume();
      if (fault.abortGrpcStatus !== undefined) {
        sendLocalReply(res, 200, '', { 'content-type': 'application/grpc', 'grpc-status': String(fault.abortGrpcStatus), 'grpc-message': 'fault filter abort' }, hcm.serverName);
      } else {
        sendLocalReply(res, fault.abortStatus as number, 'fault filter abort', {}, hcm.serverName);
      }
      return;
    }
    const action = route.action;
    if (action.kind === 'direct') {
      req.resume();
      const headers: Record<string, string> = {};
      this.applyResponseOps(headers, route, vh, rc);
      sendLocalReply(res, action.status, action.body ?? '', headers, hcm.serverName);
      return;
    }
    if (action.kind === 'redirect') {
      req.resume();
      sendLocalReply(res, action.code, '', { location: redirectLocation(action, view.scheme, view.authority, view.path, route) }, hcm.serverName);
      return;
    }
    new Exchange(this.deps, { req, res, view, ctx, hcm, rc, vh, route, action, log }).start();
  }

  private applyResponseOps(headers: Record<string, string>, route: CompiledRoute, vh: CompiledVirtualHost, rc: CompiledRouteConfig): void {
    for (const ops of [route.responseHeaders, vh.responseHeaders, rc.responseHeaders]) {
      for (const r of ops.remove) delete headers[r];
      for (const a of ops.add) if (a.action !== 'add_if_absent' || headers[a.key] === undefined) headers[a.key] = a.value;
    }
  }

  private startLog(req: Req, res: DownstreamResponse, ctx: DownstreamContext): AccessLogRecord {
    const len = req.headers['content-length'];
    const log: AccessLogRecord = {
      startTime: Date.now(),
      method: req.method ?? '',
      path: req.url ?? '',
      protocol: req.httpVersionMajor >= 2 ? 'HTTP/2' : `HTTP/${req.httpVersion}`,
      requestHeader: (n) => {
        const fwd = log.forwardedHeaders?.[n];
        const v = fwd !== undefined ? fwd : n === ':authority' ? (req.headers[':authority'] ?? req.headers.host) : req.headers[n];
        return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v);
      },
      responseHeader: (n) => {
        const v = log.responseHeaders?.[n] ?? (res as ServerResponse).getHeader(n);
        return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v);
      },
      status: 0,
      flags: [],
      bytesReceived: len === undefined ? 0 : Number(len) || 0,
      bytesSent: 0,
      upstreamCluster: '',
      upstreamHost: '',
      downstreamRemote: `${ctx.remoteAddress}:${ctx.remotePort}`,
      downstreamLocal: `${ctx.localAddress}:${ctx.localPort}`,
      serverName: ctx.serverName,
      routeName: '',
      responseHeaders: undefined,
      forwardedHeaders: undefined,
    };
    return log;
  }

  private rbacAllows(hcm: CompiledHcm, ctx: DownstreamContext, view: DownstreamRequestView): boolean {
    const subject: RbacSubject = {
      header: (n) => view.header(n),
      path: view.path,
      destinationIp: ctx.localAddress,
      destinationPort: ctx.localPort,
      remoteIp: ctx.remoteAddress,
      peer: ctx.peerCertificate,
      serverName: ctx.serverName,
    };
    for (const p of hcm.rbac) if (!rbacAllows(p, subject)) return false;
    return true;
  }

  private preflight(res: DownstreamResponse, p: CorsPolicy, origin: string, hcm: CompiledHcm): void {
    const h: Record<string, string> = { 'access-control-allow-origin': origin };
    if (p.allowMethods) h['access-control-allow-methods'] = p.allowMethods;
    if (p.allowHeaders) h['access-control-allow-headers'] = p.allowHeaders;
    if (p.maxAge) h['access-control-max-age'] = p.maxAge;
    if (p.allowCredentials) h['access-control-allow-credentials'] = 'true';
    sendLocalReply(res, 200, '', h, hcm.serverName);
  }

  private addCorsHeaders(res: DownstreamResponse, p: CorsPolicy, origin: string): void {
    (res as ServerResponse | Http2ServerResponse).setHeader('access-control-allow-origin', origin);
    if (p.allowCredentials) (res as ServerResponse).setHeader('access-control-allow-credentials', 'true');
    if (p.exposeHeaders) (res as ServerResponse).setHeader('access-control-expose-headers', p.exposeHeaders);
  }
}

// Sends GOAWAY once per HTTP/2 session: streams in flight finish, new ones go to a new connection.
function drainSession(req: Http2ServerRequest): void {
  const session = req.stream.session as (Http2ServerRequest['stream']['session'] & { meshDraining?: boolean }) | undefined;
  if (!session || session.meshDraining || session.closed || session.destroyed) return;
  session.meshDraining = true;
  try {
    session.goaway(0);
  } catch {
    // The session is already going away.
  }
}

/** The Location of a redirect response. */
export function redirectLocation(a: RedirectAction, scheme: string, authority: string, path: string, route: CompiledRoute): string {
  const newScheme = a.scheme ?? scheme;
  let host = authority;
  let port = '';
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  if (m) {
    host = m[1] ?? authority;
    port = m[2] ?? '';
  }
  if (a.host !== undefined) host = a.host;
  if (a.port !== undefined) port = String(a.port);
  else if (a.scheme !== undefined && a.scheme !== scheme) port = '';
  if ((newScheme === 'https' && port === '443') || (newScheme === 'http' && port === '80')) port = '';
  const q = path.indexOf('?');
  let p = q >= 0 ? path.slice(0, q) : path;
  let query = q >= 0 ? path.slice(q) : '';
  if (a.path !== undefined) {
    const pq = a.path.indexOf('?');
    p = pq >= 0 ? a.path.slice(0, pq) : a.path;
    if (pq >= 0) query = a.path.slice(pq);
  } else if (a.prefixRewrite !== undefined && (route.match.kind === 'prefix' || route.match.kind === 'separated')) {
    p = a.prefixRewrite + p.slice(route.match.value.length);
  } else if (a.regexRewrite) {
    p = p.replace(a.regexRewrite.regex, a.regexRewrite.substitution);
  }
  if (a.stripQuery) query = '';
  return `${newScheme}://${host}${port ? `:${port}` : ''}${p}${query}`;
}
