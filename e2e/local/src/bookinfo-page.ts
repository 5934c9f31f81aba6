// Reading the Bookinfo product page as a user would: which reviews version served it, the star colour, the
// error texts, and how long it took. Requests go to the gateway's published host port.
import http from 'node:http';

/** What a product page showed. */
export interface PageView {
  status: number;
  ms: number;
  /** Version from "Reviews served by: reviews-vN-..." (undefined when reviews failed). */
  reviewsVersion: string | undefined;
  stars: 'none' | 'black' | 'red';
  reviewsError: boolean;
  ratingsUnavailable: boolean;
  detailsError: boolean;
  title: string | undefined;
  body: string;
}

/** Parses the productpage HTML. */
export function readPage(status: number, body: string, ms: number): PageView {
  const served = /Reviews served by: <u>reviews-(v\d+)-/.exec(body);
  return {
    status,
    ms,
    reviewsVersion: served?.[1],
    stars: /<span class="text-red-500">/.test(body) ? 'red' : /<span class="text-black-500">/.test(body) ? 'black' : 'none',
    reviewsError: body.includes('Error fetching product reviews'),
    ratingsUnavailable: body.includes('Ratings service is currently unavailable'),
    detailsError: body.includes('Error fetching product details'),
    title: /<title>(.*?)<\/title>/.exec(body)?.[1],
    body,
  };
}

/** One HTTP request to 127.0.0.1:port; resolves with status, headers and body. */
export function request(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false, timeout: opts.timeoutMs ?? 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no response within ${opts.timeoutMs ?? 20_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** GET /productpage through the gateway, optionally with a session cookie. */
export async function getPage(port: number, cookie?: string): Promise<PageView> {
  const started = Date.now();
  const res = await request(port, '/productpage', cookie ? { headers: { cookie } } : {});
  return readPage(res.status, res.body, Date.now() - started);
}

/** Logs in through the gateway (`POST /login`) and returns the session cookie. */
export async function login(port: number, user: string): Promise<string> {
  const body = new URLSearchParams({ username: user, passwd: 'password' }).toString();
  const res = await request(port, '/login', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } });
  const cookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('session='));
  if (res.status !== 302 || !cookie) throw new Error(`login as ${user}: expected 302 with a session cookie, got ${res.status}`);
  return cookie.split(';')[0] as string;
}
