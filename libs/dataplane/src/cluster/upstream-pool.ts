// Keep-alive connection pools to one cluster's hosts: an http(s).Agent per transport choice for HTTP/1.1 and one
// HTTP/2 session per host. Connections are counted for circuit breaking and /clusters.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { verifySans } from '../tls/san-verify.ts';
import type { TlsClientConfig } from '../tls/tls-types.ts';
import type { UpstreamHost } from '../lb/upstream-host.ts';
import type { ClusterStats } from './cluster-stats.ts';

/** Hooks the pool reports connection lifecycle to. */
export interface PoolObserver {
  readonly stats: ClusterStats;
  hostByKey(key: string): UpstreamHost | undefined;
}

/** TLS options for node:tls from a compiled UpstreamTlsContext. */
export function tlsConnectOptions(t: TlsClientConfig, alpn: string[], fallbackServername: string | undefined): tls.ConnectionOptions {
  const opts: tls.ConnectionOptions = {
    rejectUnauthorized: t.ca !== undefined,
    ALPNProtocols: t.alpn.length ? [...t.alpn] : alpn,
    checkServerIdentity: (_host, cert) => {
      const reason = verifySans(cert, t.sanMatchers);
      return reason === undefined ? undefined : new Error(reason);
    },
  };
  if (t.ca !== undefined) opts.ca = t.ca;
  if (t.cert !== undefined) opts.cert = t.cert;
  if (t.key !== undefined) opts.key = t.key;
  const sni = t.sni ?? fallbackServername;
  if (sni !== undefined && net.isIP(sni) === 0) opts.servername = sni;
  return opts;
}

function hostKeyOf(opts: { host?: string | null | undefined; port?: number | string | null | undefined; socketPath?: string | undefined }): string {
  if (opts.socketPath) return opts.socketPath;
  const h = opts.host ?? '';
  return h.includes(':') ? `[${h}]:${opts.port}` : `${h}:${opts.port}`;
}

function trackConnection(observer: PoolObserver, key: string, sock: Duplex): void {
  const host = observer.hostByKey(key);
  observer.stats.cxTotal.inc();
  observer.stats.cxActive.inc();
  if (host) host.activeConnections++;
  sock.once('close', () => {
    observer.stats.cxActive.dec();
    if (host) host.activeConnections--;
  });
}

/** The connection limits the HTTP/1.1 agents enforce. */
interface AgentLimits {
  readonly maxConnections: number;
  /** 0 = unlimited. */
  readonly maxRequestsPerConnection: number;
}

// Node's Agent internals used here: addRequest is how a ClientRequest asks for a socket; the typings omit it.
type AddRequest = (req: http.ClientRequest, options: http.ClientRequestArgs) => void;

/**
 * Envoy's per-cluster connection rules on top of a Node agent: max_connections bounds all hosts together, but a
 * host the load balancer picked always gets at least one connection (otherwise an idle keep-alive connection to
 * another host would hold the only slot forever); a connection closes after max_requests_per_connection requests.
 */
class ConnectionRules {
  private readonly limits: AgentLimits;
  private readonly served = new WeakMap<object, number>();

  constructor(limits: AgentLimits) {
    this.limits = limits;
  }

  /** Runs Node's addRequest, lifting the total limit for a host that has no connection at all. */
  addRequest(agent: http.Agent, add: AddRequest, req: http.ClientRequest, options: http.ClientRequestArgs): void {
    const max = this.limits.maxRequestsPerConnection;
    if (max > 0) {
      req.once('socket', (socket) => {
        const n = (this.served.get(socket) ?? 0) + 1;
        this.served.set(socket, n);
        // The response end then closes the socket instead of returning it to the pool.
        if (n >= max) req.shouldKeepAlive = false;
      });
    }
    const name = agent.getName(options);
    const hostHasConnection = (agent.sockets[name]?.length ?? 0) + (agent.freeSockets[name]?.length ?? 0) > 0;
    if (hostHasConnection) {
      add.call(agent, req, options);
      return;
    }
    agent.maxTotalSockets = Infinity;
    try {
      add.call(agent, req, options);
    } finally {
      agent.maxTotalSockets = this.limits.maxConnections;
    }
  }
}

/** HTTP/1.1 agent that counts its connections. */
class CountingAgent extends http.Agent {
  private readonly observer: PoolObserver;
  private readonly rules: ConnectionRules;
  constructor(opts: http.AgentOptions, observer: PoolObserver, rules: ConnectionRules) {
    super(opts);
    this.observer = observer;
    this.rules = rules;
    const add = (this as unknown as { addRequest: AddRequest }).addRequest;
    (this as unknown as { addRequest: AddRequest }).addRequest = (req, options) => this.rules.addRequest(this, add, req, options);
  }
  retired = false;
  // Node's typings say void, but the agent destroys the socket when this returns false.
  override keepSocketAlive(socket: Duplex): void {
    const keep = !this.retired && (super.keepSocketAlive(socket) as unknown as boolean);
    return keep as unknown as void;
  }
  override createConnection(options: http.ClientRequestArgs, cb?: (err: Error | null, s: Duplex) => void): Duplex | null | undefined {
    const s = super.createConnection(options, cb);
    if (s) trackConnection(this.observer, hostKeyOf(options), s);
    return s;
  }
}

/** HTTPS agent that counts its connections. */
class CountingTlsAgent extends https.Agent {
  private readonly observer: PoolObserver;
  private readonly rules: ConnectionRules;
  constructor(opts: https.AgentOptions, observer: PoolObserver, rules: ConnectionRules) {
    super(opts);
    this.observer = observer;
    this.rules = rules;
    const add = (this as unknown as { addRequest: AddRequest }).addRequest;
    (this as unknown as { addRequest: AddRequest }).addRequest = (req, options) => this.rules.addRequest(this, add, req, options);
  }
  retired = false;
  // Node's typings say void, but the agent destroys the socket when this returns false.
  override keepSocketAlive(socket: Duplex): void {
    const keep = !this.retired && (super.keepSocketAlive(socket) as unknown as boolean);
    return keep as unknown as void;
  }
  override createConnection(options: http.ClientRequestArgs, cb?: (err: Error | null, s: Duplex) => void): Duplex | null | undefined {
    const s = super.createConnection(options, cb);
    if (s) trackConnection(this.observer, hostKeyOf(options), s);
    return s;
  }
}

/** The pools of one cluster; kept across config updates while the cluster's settings are unchanged. */
export class UpstreamPool {
  private readonly observer: PoolObserver;
  private readonly limits: AgentLimits;
  private readonly agents = new Map<TlsClientConfig | undefined, http.Agent>();
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly streamsOpened = new WeakMap<http2.ClientHttp2Session, number>();
  private closed = false;
  private readonly localAddress: string | undefined;

  constructor(observer: PoolObserver, limits: AgentLimits, localAddress?: string) {
    this.observer = observer;
    this.limits = limits;
    this.localAddress = localAddress;
  }

  /** The HTTP/1.1 agent for a transport choice. */
  agent(t: TlsClientConfig | undefined): http.Agent {
    let a = this.agents.get(t);
    if (!a) {
      const base: http.AgentOptions & { localAddress?: string } = { keepAlive: true, maxSockets: this.limits.maxConnections, maxTotalSockets: this.limits.maxConnections, scheduling: 'lifo' };
      if (this.localAddress) base.localAddress = this.localAddress;
      const rules = new ConnectionRules(this.limits);
      a = t ? new CountingTlsAgent({ ...base, ...tlsConnectOptions(t, ['http/1.1'], undefined) }, this.observer, rules) : new CountingAgent(base, this.observer, rules);
      this.agents.set(t, a);
    }
    return a;
  }

  /** An HTTP/2 session to `host`, connecting when there is none usable. */
  session(host: UpstreamHost, t: TlsClientConfig | undefined, connectTimeoutMs: number): http2.ClientHttp2Session {
    // Sessions differ by the ALPN they negotiated (Istio's istio.alpn filter can override it per listener).
    const key = t !== undefined && t.alpn.length ? `${host.key}|${t.alpn.join(',')}` : host.key;
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return this.countStream(key, existing);
    const spec = host.spec;
    const authority = t ? `https://${host.key}` : `http://${host.key}`;
    const opts: http2.SecureClientSessionOptions = { peerMaxConcurrentStreams: 1000 };
    const tlsOpts = t ? tlsConnectOptions(t, ['h2'], spec.address) : undefined;
    if (spec.pipe !== undefined) {
      const pipe = spec.pipe;
      opts.createConnection = () => (tlsOpts ? tls.connect({ path: pipe, ...tlsOpts }) : net.connect(pipe));
    } else if (tlsOpts || this.localAddress) {
      // We connect ourselves: http2.connect would offer only "h2" as ALPN, not the cluster's (or istio.alpn's) list.
      const localAddress = this.localAddress;
      const local = localAddress ? { localAddress } : {};
      opts.createConnection = () =>
        // localAddress reaches net.connect through tls.connect, though the tls typings do not list it.
        tlsOpts ? tls.connect({ host: spec.address, port: spec.port, ...local, ...tlsOpts } as tls.ConnectionOptions) : net.connect({ host: spec.address, port: spec.port, ...local });
    }
    const session = http2.connect(authority, opts);
    this.observer.stats.cxTotal.inc();
    this.observer.stats.cxActive.inc();
    host.activeConnections++;
    const timer = setTimeout(() => {
      if (!session.connecting) return;
      this.observer.stats.cxConnectTimeout.inc();
      session.destroy(Object.assign(new Error('upstream connect timeout'), { code: 'ETIMEDOUT' }));
    }, connectTimeoutMs);
    timer.unref();
    session.once('connect', () => clearTimeout(timer));
    session.on('error', () => {
      // Stream-level callers see the failure through their own stream's error.
    });
    session.once('close', () => {
      clearTimeout(timer);
      this.observer.stats.cxActive.dec();
      host.activeConnections--;
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    });
    session.once('goaway', () => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    });
    if (!this.closed) this.sessions.set(key, session);
    session.unref();
    return this.countStream(key, session);
  }

  // max_requests_per_connection for HTTP/2: a session that reached it takes no new streams and closes (GOAWAY)
  // right after the caller opened this last stream; its in-flight streams finish.
  private countStream(key: string, session: http2.ClientHttp2Session): http2.ClientHttp2Session {
    const max = this.limits.maxRequestsPerConnection;
    if (max === 0) return session;
    const n = (this.streamsOpened.get(session) ?? 0) + 1;
    this.streamsOpened.set(session, n);
    if (n >= max) {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
      setImmediate(() => {
        if (!session.closed && !session.destroyed) session.close();
      });
    }
    return session;
  }

  /** Closes idle connections; in-flight requests on them finish first. */
  close(): void {
    this.closed = true;
    for (const a of this.agents.values()) {
      // Idle sockets go now; busy ones close when their request ends (keepSocketAlive says no).
      (a as CountingAgent).retired = true;
      for (const list of Object.values(a.freeSockets)) for (const s of list ?? []) s.destroy();
    }
    for (const s of this.sessions.values()) s.close();
    this.agents.clear();
    this.sessions.clear();
  }
}
