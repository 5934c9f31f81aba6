// productpage: the Bookinfo front end. HTML page and JSON API; calls details (3 s, no retry) and reviews
// (3 s, one retry), forwarding tracing headers and `end-user` for the logged-in user.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { forwardHeaders, httpGet, readBody, sendJson, sendText, serve, type FetchResult } from './http-util.ts';
import { renderPage, type ProductView } from './productpage-html.ts';

export interface ProductpageOptions {
  port: number;
  host?: string;
  detailsUrl?: string;
  reviewsUrl?: string;
  ratingsUrl?: string;
}

export const product = {
  id: 0,
  title: 'The Comedy of Errors',
  descriptionHtml:
    '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of ' +
    "<b>William Shakespeare's</b> early plays. It is his shortest and one of his most farcical comedies, with a major part " +
    'of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
};

const detailsError = 'Sorry, product details are currently unavailable for this book.';
const reviewsError = 'Sorry, product reviews are currently unavailable for this book.';
const ratingsError = 'Sorry, product ratings are currently unavailable for this book.';

function sessionUser(req: IncomingMessage): string {
  const cookie = req.headers.cookie ?? '';
  for (const part of cookie.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === 'session' && v) {
      try {
        const parsed = JSON.parse(Buffer.from(decodeURIComponent(v), 'base64url').toString('utf8')) as { user?: unknown };
        if (typeof parsed.user === 'string') return parsed.user;
      } catch {
        return '';
      }
    }
  }
  return '';
}

function outboundHeaders(req: IncomingMessage): Record<string, string> {
  const headers = forwardHeaders(req.headers);
  const user = sessionUser(req);
  if (user) headers['end-user'] = user;
  return headers;
}

interface CallResult {
  status: number;
  json?: Record<string, unknown>;
}

async function call(url: string, headers: Record<string, string>, attempts: number, fallbackError: string): Promise<CallResult> {
  let last: FetchResult | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      last = await httpGet(url, headers, 3000);
      if (last.status === 200) break;
    } catch {
      last = undefined;
    }
  }
  if (last && last.status === 200) {
    try {
      return { status: 200, json: JSON.parse(last.body) as Record<string, unknown> };
    } catch {
      return { status: 500, json: { error: fallbackError } };
    }
  }
  return { status: last?.status ?? 500, json: { error: fallbackError } };
}

export function startProductpage(opts: ProductpageOptions): Promise<Server> {
  const details = opts.detailsUrl ?? 'http://details:9080';
  const reviews = opts.reviewsUrl ?? 'http://reviews:9080';
  const ratings = opts.ratingsUrl ?? 'http://ratings:9080';
  const results = new Map<string, number>();
  const count = (app: string, code: number) => {
    const k = `destination_app="${app}",response_code="${code}"`;
    results.set(k, (results.get(k) ?? 0) + 1);
  };
  const getDetails = async (req: IncomingMessage, id: string) => {
    const r = await call(`${details}/details/${id}`, outboundHeaders(req), 1, detailsError);
    count('details', r.status);
    return r;
  };
  const getReviews = async (req: IncomingMessage, id: string) => {
    const r = await call(`${reviews}/reviews/${id}`, outboundHeaders(req), 2, reviewsError);
    count('reviews', r.status);
    return r;
  };
  const redirectBack = (req: IncomingMessage, res: ServerResponse, cookie: string) => {
    res.writeHead(302, { location: req.headers.referer ?? '/productpage', 'set-cookie': cookie, 'content-length': 0 });
    res.end();
  };

  return serve(
    [
      { method: 'GET', path: /^\/health$/, handler: (_q, res) => sendText(res, 200, 'Product page is healthy') },
      { method: 'GET', path: /^\/(index\.html)?$/, handler: (_q, res) => sendText(res, 200, indexHtml, 'text/html; charset=utf-8') },
      {
        method: 'POST',
        path: /^\/login$/,
        handler: async (req, res) => {
          const form = new URLSearchParams(await readBody(req));
          const user = form.get('username') ?? '';
          const value = Buffer.from(JSON.stringify({ user })).toString('base64url');
          redirectBack(req, res, `session=${value}; Path=/; HttpOnly`);
        },
      },
      { method: 'GET', path: /^\/logout$/, handler: (req, res) => redirectBack(req, res, 'session=; Path=/; Max-Age=0') },
      {
        method: 'GET',
        path: /^\/productpage$/,
        handler: async (req, res) => {
          const [d, r] = await Promise.all([getDetails(req, '0'), getReviews(req, '0')]);
          const view: ProductView = { product, user: sessionUser(req), details: d.json ?? {}, detailsOk: d.status === 200, reviews: r.json ?? {}, reviewsOk: r.status === 200 };
          sendText(res, 200, renderPage(view), 'text/html; charset=utf-8');
        },
      },
      { method: 'GET', path: /^\/api\/v1\/products$/, handler: (_q, res) => sendJson(res, 200, [product]) },
      {
        method: 'GET',
        path: /^\/api\/v1\/products\/([^/]+)$/,
        handler: async (req, res, [id = '']) => {
          const d = await getDetails(req, encodeURIComponent(id));
          sendJson(res, d.status, d.json);
        },
      },
      {
        method: 'GET',
        path: /^\/api\/v1\/products\/([^/]+)\/reviews$/,
        handler: async (req, res, [id = '']) => {
          const r = await getReviews(req, encodeURIComponent(id));
          sendJson(res, r.status, r.json);
        },
      },
      {
        method: 'GET',
        path: /^\/api\/v1\/products\/([^/]+)\/ratings$/,
        handler: async (req, res, [id = '']) => {
          const r = await call(`${ratings}/ratings/${encodeURIComponent(id)}`, outboundHeaders(req), 1, ratingsError);
          count('ratings', r.status);
          sendJson(res, r.status, r.json);
        },
      },
      {
        method: 'GET',
        path: /^\/metrics$/,
        handler: (_q, res) => {
          let text = '# HELP request_result Results of requests to other services\n# TYPE request_result counter\n';
          for (const [labels, n] of results) text += `request_result{${labels}} ${n}\n`;
          sendText(res, 200, text, 'text/plain; version=0.0.4');
        },
      },
    ],
    opts.port,
    opts.host ?? '0.0.0.0',
  );
}

const indexHtml = `<!DOCTYPE html>
<html><head><title>Simple Bookstore App</title></head>
<body><h3>Hello! This is a simple bookstore application consisting of three services as shown below</h3>
<table><tr><th>name</th><td>http://details:9080</td></tr><tr><th>name</th><td>http://reviews:9080</td></tr>
<tr><th>name</th><td>http://ratings:9080</td></tr></table>
<p><a href="/productpage?u=normal">Normal user</a></p><p><a href="/productpage?u=test">Test user</a></p></body></html>
`;
