// The admin HTTP API on the bootstrap's admin address: config_dump, clusters, stats, ready, server_info,
// listeners, logging, drain_listeners, quitquitquit.
import http from 'node:http';
import type { Logger } from 'pino';
import type { Json } from '../config/json-reader.ts';
import type { DataplaneRuntime } from '../runtime/dataplane-runtime.ts';
import { renderPrometheus, renderStatsJson, renderStatsText } from '../stats/stats-format.ts';
import { clustersJson, clustersText } from './clusters-status.ts';
import { applyMask, buildConfigDump } from './config-dump.ts';

export type ServerState = 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';
const stateNumber: Record<ServerState, number> = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 };

/** What the admin API reads and controls. */
export interface AdminHooks {
  readonly runtime: DataplaneRuntime;
  readonly bootstrap: Json;
  readonly node: Json;
  readonly staticNames: { listeners: ReadonlySet<string>; clusters: ReadonlySet<string>; secrets: ReadonlySet<string> };
  readonly commandLine: Json;
  readonly log: Logger;
  state(): ServerState;
  setLogLevel(level: string): void;
  logLevel(): string;
  drain(inboundOnly: boolean): void;
  quit(): void;
}

const levels = ['trace', 'debug', 'info', 'warning', 'warn', 'error', 'critical', 'off'];

/** The admin server (not yet listening). */
export class AdminServer {
  private readonly hooks: AdminHooks;
  private readonly startedAt = Date.now();
  readonly server: http.Server;

  constructor(hooks: AdminHooks) {
    this.hooks = hooks;
    this.server = http.createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (e) {
        this.hooks.log.error({ err: (e as Error).message, path: req.url }, 'admin handler failed');
        if (!res.headersSent) this.send(res, 500, 'text/plain', `internal error: ${(e as Error).message}\n`);
      }
    });
  }

  /** Listens on host:port (port 0 picks one). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  /** Stops the admin server. */
  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  private send(res: http.ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff' });
    res.end(body);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://admin');
    const q = url.searchParams;
    const rt = this.hooks.runtime;
    const state = this.hooks.state();
    rt.stats.gauge('server.state').set(stateNumber[state]);
    rt.stats.gauge('server.live').set(state === 'LIVE' ? 1 : 0);
    rt.stats.gauge('server.uptime').set(Math.floor((Date.now() - this.startedAt) / 1000));
    const mutating = ['/logging', '/drain_listeners', '/quitquitquit', '/healthcheck/fail', '/healthcheck/ok', '/reset_counters'];
    if (mutating.includes(url.pathname) && req.method !== 'POST') {
      this.send(res, 405, 'text/plain', 'This endpoint requires POST\n');
      return;
    }
    switch (url.pathname) {
      case '/':
        this.send(res, 200, 'text/plain', ['/config_dump', '/clusters', '/stats', '/stats/prometheus', '/ready', '/server_info', '/listeners', '/logging', '/drain_listeners', '/quitquitquit'].join('\n') + '\n');
        return;
      case '/ready':
        this.send(res, state === 'LIVE' ? 200 : 503, 'text/plain', `${state}\n`);
        return;
      case '/server_info':
        this.send(res, 200, 'application/json', JSON.stringify(this.serverInfo(state), null, 2));
        return;
      case '/config_dump': {
        const s = rt.current().snapshot;
        let dump = buildConfigDump(
          {
            bootstrap: this.hooks.bootstrap,
            snapshot: s,
            staticNames: this.hooks.staticNames,
            lastUpdated: (kind, name) => rt.lastUpdated.get(`${kind}/${name}`)?.at ?? new Date(this.startedAt).toISOString(),
          },
          q.has('include_eds') && q.get('include_eds') !== 'false',
        );
        const mask = q.get('mask');
        if (mask) dump = applyMask(dump, mask);
        const resource = q.get('resource');
        if (resource) dump = { configs: dump.configs.flatMap((c) => (Array.isArray(c[resource]) ? (c[resource] as Json[]) : [])) };
        this.send(res, 200, 'application/json', JSON.stringify(dump, null, 2));
        return;
      }
      case '/clusters':
        if (q.get('format') === 'json') this.send(res, 200, 'application/json', JSON.stringify(clustersJson(rt.allClusters(), this.hooks.staticNames.clusters), null, 2));
        else this.send(res, 200, 'text/plain', clustersText(rt.allClusters(), this.hooks.staticNames.clusters));
        return;
      case '/stats': {
        const filter = this.filter(q.get('filter'));
        if (filter === null) {
          this.send(res, 400, 'text/plain', 'Invalid regex\n');
          return;
        }
        const opts = { filter, usedOnly: q.has('usedonly') };
        if (q.get('format') === 'json') this.send(res, 200, 'application/json', renderStatsJson(rt.stats, opts));
        else if (q.get('format') === 'prometheus') this.send(res, 200, 'text/plain; version=0.0.4', renderPrometheus(rt.stats, opts));
        else this.send(res, 200, 'text/plain', renderStatsText(rt.stats, opts));
        return;
      }
      case '/stats/prometheus': {
        const filter = this.filter(q.get('filter'));
        this.send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', renderPrometheus(rt.stats, { filter: filter ?? undefined, usedOnly: q.has('usedonly') }));
        return;
      }
      case '/listeners': {
        const ls = [...rt.current().listeners.values()];
        if (q.get('format') === 'json') {
          const statuses = ls.map((l) => ({ name: l.name, local_address: l.pipe ? { pipe: { path: l.pipe } } : { socket_address: { address: l.address, port_value: this.boundPort(l.name, l.port) } } }));
          this.send(res, 200, 'application/json', JSON.stringify({ listener_statuses: statuses }, null, 2));
        } else {
          this.send(res, 200, 'text/plain', ls.map((l) => `${l.name}::${l.pipe ?? `${l.address}:${this.boundPort(l.name, l.port)}`}`).join('\n') + '\n');
        }
        return;
      }
      case '/logging': {
        const level = q.get('level');
        if (level !== null) {
          if (!levels.includes(level)) {
            this.send(res, 400, 'text/plain', `error: unknown logger level "${level}"\n`);
            return;
          }
          this.hooks.setLogLevel(level);
        } else {
          // Per-component form (?router=debug): one process-wide level, so the last valid one wins.
          for (const v of q.values()) if (levels.includes(v)) this.hooks.setLogLevel(v);
        }
        this.send(res, 200, 'text/plain', `active loggers:\n  admin: ${this.hooks.logLevel()}\n  config: ${this.hooks.logLevel()}\n  connection: ${this.hooks.logLevel()}\n  http: ${this.hooks.logLevel()}\n  router: ${this.hooks.logLevel()}\n  upstream: ${this.hooks.logLevel()}\n`);
        return;
      }
      case '/drain_listeners':
        this.hooks.drain(q.has('inboundonly'));
        this.send(res, 200, 'text/plain', 'OK\n');
        return;
      case '/quitquitquit':
        this.send(res, 200, 'text/plain', 'OK\n');
        setImmediate(() => this.hooks.quit());
        return;
      case '/healthcheck/fail':
      case '/healthcheck/ok':
      case '/reset_counters':
        this.send(res, 200, 'text/plain', 'OK\n');
        return;
      default:
        this.send(res, 404, 'text/plain', `invalid path. admin commands are: / ${url.pathname}\n`);
    }
  }

  private boundPort(name: string, configured: number): number {
    const a = this.hooks.runtime.listenerAddress(name);
    return typeof a === 'object' && a ? a.port : configured;
  }

  private filter(f: string | null): RegExp | undefined | null {
    if (!f) return undefined;
    try {
      return new RegExp(f);
    } catch {
      return null;
    }
  }

  private serverInfo(state: ServerState): Json {
    const up = Math.floor((Date.now() - this.startedAt) / 1000);
    return {
      version: 'mesh-proxy/1.0.0/ts/RELEASE/node',
      state,
      hot_restart_version: 'disabled',
      command_line_options: this.hooks.commandLine,
      node: this.hooks.node,
      uptime_current_epoch: `${up}s`,
      uptime_all_epochs: `${up}s`,
    };
  }
}
