import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@mesh/testing';
import { runLoad, startDetails, startHttpbin, startProductpage, startRatings, startReviews } from './index.ts';

const servers: Server[] = [];
const base = (port: number) => `http://127.0.0.1:${port}`;
let ports: Record<string, number>;

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

beforeAll(async () => {
  ports = {};
  for (const n of ['details', 'ratings', 'v1', 'v2', 'v3', 'pp1', 'pp3', 'ppDown', 'httpbin']) ports[n] = await freePort();
  const p = (n: string) => ports[n]!;
  servers.push(await startDetails({ port: p('details'), host: '127.0.0.1' }));
  servers.push(await startRatings({ port: p('ratings'), host: '127.0.0.1' }));
  for (const v of ['v1', 'v2', 'v3'] as const) {
    servers.push(await startReviews({ port: p(v), host: '127.0.0.1', version: v, ratingsUrl: base(p('ratings')), podName: `reviews-${v}` }));
  }
  servers.push(await startProductpage({ port: p('pp1'), host: '127.0.0.1', detailsUrl: base(p('details')), reviewsUrl: base(p('v1')), ratingsUrl: base(p('ratings')) }));
  servers.push(await startProductpage({ port: p('pp3'), host: '127.0.0.1', detailsUrl: base(p('details')), reviewsUrl: base(p('v3')), ratingsUrl: base(p('ratings')) }));
  // Nothing listens on the "down" ports: details and reviews calls fail.
  const dead = await freePort();
  servers.push(await startProductpage({ port: p('ppDown'), host: '127.0.0.1', detailsUrl: base(dead), reviewsUrl: base(dead), ratingsUrl: base(dead) }));
  servers.push(await startHttpbin({ port: p('httpbin'), host: '127.0.0.1', accessLog: () => undefined }));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
});

describe('bookinfo replicas', () => {
  it('details and ratings answer with upstream JSON shapes and errors', async () => {
    const d = await get(`${base(ports['details']!)}/details/0`);
    expect(JSON.parse(d.text)).toMatchObject({ id: 0, author: 'William Shakespeare', 'ISBN-10': '1234567890', pages: 200 });
    expect((await get(`${base(ports['details']!)}/details/abc`)).status).toBe(400);
    const r = await get(`${base(ports['ratings']!)}/ratings/0`);
    expect(JSON.parse(r.text)).toEqual({ id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    expect(JSON.parse((await get(`${base(ports['ratings']!)}/ratings/x`)).text)).toEqual({ error: 'please provide numeric product ID' });
  });

  it('reviews v1 has no ratings, v2 black stars, v3 red stars', async () => {
    const v1 = JSON.parse((await get(`${base(ports['v1']!)}/reviews/0`)).text);
    expect(v1.reviews[0].rating).toBeUndefined();
    const v2 = JSON.parse((await get(`${base(ports['v2']!)}/reviews/0`)).text);
    expect(v2.reviews.map((r: { rating: unknown }) => r.rating)).toEqual([{ stars: 5, color: 'black' }, { stars: 4, color: 'black' }]);
    const v3 = JSON.parse((await get(`${base(ports['v3']!)}/reviews/0`)).text);
    expect(v3.reviews[0].rating).toEqual({ stars: 5, color: 'red' });
    expect(v3.id).toBe('0');
  });

  it('productpage renders details and reviews, and the reviews version shows in the stars', async () => {
    const p1 = await get(`${base(ports['pp1']!)}/productpage`);
    expect(p1.status).toBe(200);
    expect(p1.text).toContain('<title>Simple Bookstore App</title>');
    expect(p1.text).toContain('ISBN-10');
    expect(p1.text).toContain('Reviews served by: <u>reviews-v1</u>');
    expect(p1.text).not.toMatch(/text-(red|black)-500/);
    const p3 = await get(`${base(ports['pp3']!)}/productpage`);
    expect(p3.text).toContain('text-red-500');
  });

  it('productpage login sets end-user for its outbound calls', async () => {
    const login = await fetch(`${base(ports['pp1']!)}/login`, { method: 'POST', body: 'username=jason', headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    expect(login.status).toBe(302);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    // The reviews replica echoes nothing about headers, so observe them on httpbin through a productpage pointed at it.
    const seen: string[] = [];
    const port = await freePort();
    const echo = await startHttpbin({ port, host: '127.0.0.1', accessLog: () => undefined });
    const spy = await freePort();
    const http = await import('node:http');
    const capture = http.createServer((req, res) => { seen.push(String(req.headers['end-user'])); res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"id":"0","reviews":[]}'); });
    await new Promise<void>((r) => capture.listen(spy, '127.0.0.1', r));
    const pp = await startProductpage({ port: await freePort(), host: '127.0.0.1', detailsUrl: base(port), reviewsUrl: base(spy) });
    const addr = pp.address();
    const ppPort = typeof addr === 'object' && addr ? addr.port : 0;
    const page = await get(`${base(ppPort)}/productpage`, { cookie });
    expect(page.text).toContain('Signed in as: <b>jason</b>');
    expect(seen).toEqual(['jason']);
    for (const s of [echo, capture, pp]) { s.closeAllConnections(); s.close(); }
  });

  it('productpage reports unavailable services with upstream error texts', async () => {
    const page = await get(`${base(ports['ppDown']!)}/productpage`);
    expect(page.text).toContain('Error fetching product details!');
    expect(page.text).toContain('Sorry, product details are currently unavailable for this book.');
    expect(page.text).toContain('Error fetching product reviews!');
    const api = await get(`${base(ports['ppDown']!)}/api/v1/products/0/reviews`);
    expect(api.status).toBe(500);
    expect(JSON.parse(api.text)).toEqual({ error: 'Sorry, product reviews are currently unavailable for this book.' });
  });

  it('httpbin echoes headers and status codes; the load client counts codes', async () => {
    const h = JSON.parse((await get(`${base(ports['httpbin']!)}/headers`, { 'x-test': 'yes' })).text);
    expect(h.headers['X-Test']).toEqual(['yes']);
    expect((await get(`${base(ports['httpbin']!)}/status/418`)).status).toBe(418);
    const load = await runLoad({ url: `${base(ports['httpbin']!)}/get`, connections: 2, requests: 20 });
    expect(load.codes).toEqual({ '200': 20 });
  });
});
