// An httpbin-like echo service for the circuit-breaking and mirroring tasks (go-httpbin's paths and JSON shapes).
import type { IncomingMessage, Server } from 'node:http';
import { readBody, sendJson, serve } from './http-util.ts';

export interface HttpbinOptions {
  port: number;
  host?: string;
  /** Called once per request with an access-log line ("GET /headers 200 host=..."). */
  accessLog?: (line: string) => void;
}

function headerObject(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    // Canonical MIME header names, as Go's net/http (and so go-httpbin) reports them.
    const k = (req.rawHeaders[i] ?? '').toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
    (out[k] ??= []).push(req.rawHeaders[i + 1] ?? '');
  }
  return out;
}

export function startHttpbin(opts: HttpbinOptions): Promise<Server> {
  const log = opts.accessLog ?? ((line: string) => process.stdout.write(line + '\n'));
  const echo = async (req: IncomingMessage) => ({
    args: Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams),
    headers: headerObject(req),
    method: req.method,
    origin: req.socket.remoteAddress ?? '',
    url: `http://${req.headers.host ?? ''}${req.url ?? ''}`,
    data: req.method === 'GET' ? '' : await readBody(req),
  });
  return serve(
    [
      { method: 'GET', path: /^\/get$/, handler: async (req, res) => sendJson(res, 200, await echo(req)) },
      { method: 'GET', path: /^\/headers$/, handler: (req, res) => sendJson(res, 200, { headers: headerObject(req) }) },
      { method: 'GET', path: /^\/ip$/, handler: (req, res) => sendJson(res, 200, { origin: req.socket.remoteAddress ?? '' }) },
      { method: 'GET', path: /^\/health$/, handler: (_q, res) => sendJson(res, 200, { status: 'ok' }) },
      {
        method: 'GET',
        path: /^\/status\/(\d{3})$/,
        handler: (_q, res, [code = '200']) => {
          res.writeHead(Number(code), { 'content-length': 0 });
          res.end();
        },
      },
      {
        method: 'GET',
        path: /^\/delay\/(\d+(?:\.\d+)?)$/,
        handler: async (req, res, [secs = '0']) => {
          const ms = Math.min(Number(secs), 10) * 1000;
          await new Promise((r) => setTimeout(r, ms));
          sendJson(res, 200, await echo(req));
        },
      },
      ...['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].map((method) => ({
        method,
        path: /^\/anything(\/.*)?$/,
        handler: async (req: IncomingMessage, res: Parameters<typeof sendJson>[0]) => sendJson(res, 200, await echo(req)),
      })),
    ],
    opts.port,
    opts.host ?? '0.0.0.0',
    (req) => {
      req.on('end', () => undefined);
      log(`${req.method} ${req.url} host=${req.headers.host ?? ''}`);
    },
  );
}
