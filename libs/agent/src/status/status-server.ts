import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@mesh/telemetry';
import type { AppProbe } from '../probes/probe-types.ts';
import { runProbe, type ProbeTarget } from '../probes/run-probe.ts';
import { envoyNotReadyReason } from './envoy-readiness.ts';
import { scrapeMerged, type AppMetricsTarget } from './merged-metrics.ts';

/** Configuration of the agent's :15020 server. */
export interface StatusServerOptions {
  port: number;
  host?: string;
  /** Envoy admin port, for readiness. */
  adminPort: number;
  /** Envoy's Prometheus URL; defaults to the admin port's /stats/prometheus. */
  envoyMetricsUrl?: string;
  probers: Map<string, AppProbe>;
  probeTarget: ProbeTarget;
  appMetrics?: AppMetricsTarget;
  agentMetrics: () => Promise<string>;
  onScrapeFailure?: (source: 'envoy' | 'application' | 'agent', reason: string) => void;
  /** Extra readiness gate owned by the agent (e.g. "not yet connected to istiod"). */
  agentNotReadyReason?: () => string | undefined;
  onQuit?: () => void;
  onDrain?: () => void;
  logger?: Logger;
}

function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1' || a.startsWith('127.');
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The running status server. */
export interface StatusServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the status server; every request is handled inside a try/catch so it never crashes. */
export async function startStatusServer(o: StatusServerOptions): Promise<StatusServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/healthz/ready') {
      const reason = o.agentNotReadyReason?.() ?? (await envoyNotReadyReason(o.adminPort));
      if (reason) send(res, 503, `${reason}\n`);
      else send(res, 200, '');
      return;
    }
    if (path === '/stats/prometheus' || path === '/metrics') {
      const body = await scrapeMerged({
        envoyUrl: o.envoyMetricsUrl ?? `http://127.0.0.1:${o.adminPort}/stats/prometheus`,
        appHost: o.probeTarget.host,
        agent: o.agentMetrics,
        ...(o.appMetrics ? { app: o.appMetrics } : {}),
        ...(o.onScrapeFailure ? { onScrapeFailure: o.onScrapeFailure } : {}),
      });
      send(res, 200, body, 'text/plain; version=0.0.4; charset=utf-8');
      return;
    }
    if (path.startsWith('/app-health/') || path.startsWith('/app-lifecycle/')) {
      const probe = o.probers.get(path);
      if (!probe) {
        send(res, 404, `no probe configured for ${path}\n`);
        return;
      }
      const result = await runProbe(probe, o.probeTarget);
      if (!result.ok) o.logger?.warn({ path, reason: result.reason }, 'app probe failed');
      send(res, result.ok ? (result.status ?? 200) : 500, `${result.reason}\n`);
      return;
    }
    if (path === '/quitquitquit' || path === '/drain') {
      if (method !== 'POST') {
        send(res, 405, 'method not allowed; use POST\n');
        return;
      }
      if (!isLoopback(req)) {
        send(res, 403, 'only allowed from localhost\n');
        return;
      }
      send(res, 200, '');
      if (path === '/quitquitquit') o.onQuit?.();
      else o.onDrain?.();
      return;
    }
    send(res, 404, `unknown path ${path}\n`);
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    handle(req, res).catch((err: unknown) => {
      o.logger?.error({ err, url: req.url }, 'status request failed');
      send(res, 500, 'internal error\n');
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  o.logger?.info({ port }, 'status server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
