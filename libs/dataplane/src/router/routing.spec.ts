// Integration: routes and route actions, driven over ADS (RDS + CDS + EDS + LDS) with real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, T, cla, edsCluster, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

describe('HTTP routing over ADS', () => {
  let h: MeshHarness;
  let a: Echo;
  let b: Echo;
  let port: number;

  beforeAll(async () => {
    h = await MeshHarness.start();
    [a, b] = await Promise.all([startEcho('a'), startEcho('b')]);
    await h.set({
      clusters: { a: edsCluster('a'), b: edsCluster('b') },
      endpoints: { a: cla('a', [a.port]), b: cla('b', [b.port]) },
      listeners: { http: httpListener('http', 0, { rds: 'r1' }, { httpFilters: [{ name: 'envoy.filters.http.cors', typed_config: { '@type': `${T}envoy.extensions.filters.http.cors.v3.Cors` } }] }) },
      routes: {
        r1: {
          name: 'r1',
          request_headers_to_add: [{ header: { key: 'x-rc', value: 'rc' } }],
          virtual_hosts: [
            { name: 'b-host', domains: ['b.example.com', 'b.example.com:*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'b' } }] },
            { name: 'wild', domains: ['*.wild.test'], routes: [{ match: { prefix: '/' }, route: { cluster: 'b', prefix_rewrite: '/wild/' } }] },
            {
              name: 'default',
              domains: ['*'],
              response_headers_to_add: [{ header: { key: 'x-vh', value: 'default' } }],
              routes: [
                { match: { path: '/exact' }, route: { cluster: 'b' } },
                { match: { safe_regex: { regex: '/re/[0-9]+' } }, route: { cluster: 'b', regex_rewrite: { pattern: { regex: '^/re/([0-9]+)$' }, substitution: '/num/\\1' } } },
                { match: { path_separated_prefix: '/sep' }, route: { cluster: 'b' } },
                { match: { prefix: '/h', headers: [{ name: 'x-user', string_match: { exact: 'jason' } }] }, route: { cluster: 'b' } },
                { match: { prefix: '/q', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, route: { cluster: 'b' } },
                { match: { prefix: '/api/' }, route: { cluster: 'a', prefix_rewrite: '/v2/', host_rewrite_literal: 'rewritten.local' } },
                {
                  match: { prefix: '/headers' },
                  request_headers_to_add: [{ header: { key: 'x-added', value: 'yes' } }, { header: { key: 'x-client', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' } }],
                  request_headers_to_remove: ['x-secret'],
                  response_headers_to_add: [{ header: { key: 'x-resp', value: 'r' } }],
                  response_headers_to_remove: ['x-upstream'],
                  route: { cluster: 'a' },
                },
                { match: { prefix: '/redirect' }, redirect: { host_redirect: 'other.example', path_redirect: '/landing', response_code: 'FOUND' } },
                { match: { prefix: '/https' }, redirect: { https_redirect: true } },
                { match: { prefix: '/direct' }, direct_response: { status: 418, body: { inline_string: 'teapot' } } },
                {
                  match: { prefix: '/cors' },
                  typed_per_filter_config: {
                    'envoy.filters.http.cors': { '@type': `${T}envoy.extensions.filters.http.cors.v3.CorsPolicy`, allow_origin_string_match: [{ exact: 'https://ok.example' }], allow_methods: 'GET,POST', allow_headers: 'x-a', max_age: '60', expose_headers: 'x-upstream' },
                  },
                  route: { cluster: 'a' },
                },
                { match: { prefix: '/', case_sensitive: true }, route: { cluster: 'a' } },
              ],
            },
          ],
        },
      },
    });
    port = h.port('http');
  });

  afterAll(async () => {
    await h.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('chooses virtual hosts by exact, port-qualified and wildcard-suffix domains', async () => {
    expect((await request(port, '/x', { host: 'b.example.com' })).json().name).toBe('b');
    expect((await request(port, '/x', { host: 'b.example.com:8080' })).json().name).toBe('b');
    const w = (await request(port, '/x', { host: 'foo.wild.test' })).json();
    expect(w.name).toBe('b');
    expect(w.path).toBe('/wild/x');
    expect((await request(port, '/x', { host: 'unknown.test' })).json().name).toBe('a');
  });

  it('matches path, safe_regex, path_separated_prefix, headers and query parameters', async () => {
    expect((await request(port, '/exact')).json().name).toBe('b');
    expect((await request(port, '/exact/more')).json().name).toBe('a');
    const re = (await request(port, '/re/42')).json();
    expect([re.name, re.path, re.headers['x-envoy-original-path']]).toEqual(['b', '/num/42', '/re/42']);
    expect((await request(port, '/re/x')).json().name).toBe('a');
    expect((await request(port, '/sep')).json().name).toBe('b');
    expect((await request(port, '/sep/x')).json().name).toBe('b');
    expect((await request(port, '/separate')).json().name).toBe('a');
    expect((await request(port, '/h', { headers: { 'x-user': 'jason' } })).json().name).toBe('b');
    expect((await request(port, '/h', { headers: { 'x-user': 'bob' } })).json().name).toBe('a');
    expect((await request(port, '/q?v=2')).json().name).toBe('b');
    expect((await request(port, '/q?v=3')).json().name).toBe('a');
  });

  it('rewrites prefix and host', async () => {
    const r = (await request(port, '/api/users?id=1')).json();
    expect(r.path).toBe('/v2/users?id=1');
    expect(r.headers.host).toBe('rewritten.local');
  });

  it('adds and removes request and response headers at route, virtual host and route config level', async () => {
    const r = await request(port, '/headers', { headers: { 'x-secret': 's' } });
    const seen = r.json().headers;
    expect(seen['x-added']).toBe('yes');
    expect(seen['x-client']).toBe('127.0.0.1');
    expect(seen['x-rc']).toBe('rc');
    expect(seen['x-secret']).toBeUndefined();
    expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers['x-resp']).toBe('r');
    expect(r.headers['x-vh']).toBe('default');
    expect(r.headers['x-upstream']).toBeUndefined();
  });

  it('redirects and answers directly', async () => {
    const r = await request(port, '/redirect?x=1', { host: 'orig.example' });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('http://other.example/landing?x=1');
    const s = await request(port, '/https/p', { host: 'orig.example:80' });
    expect(s.status).toBe(301);
    expect(s.headers.location).toBe('https://orig.example/https/p');
    const d = await request(port, '/direct');
    expect([d.status, d.body]).toEqual([418, 'teapot']);
  });

  it('answers CORS preflights and decorates allowed origins only', async () => {
    const pre = await request(port, '/cors', { method: 'OPTIONS', headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-origin']).toBe('https://ok.example');
    expect(pre.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(pre.headers['access-control-max-age']).toBe('60');
    const hitsBefore = a.hits;
    const ok = await request(port, '/cors', { headers: { origin: 'https://ok.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://ok.example');
    expect(ok.headers['access-control-expose-headers']).toBe('x-upstream');
    const bad = await request(port, '/cors', { headers: { origin: 'https://evil.example' } });
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    expect(a.hits).toBe(hitsBefore + 2);
  });

  it('returns 404 when no route matches and counts Envoy stats', async () => {
    await h.set({ routes: { r1: routeConfig('r1', [{ match: { prefix: '/only' }, route: { cluster: 'a' } }]) } });
    expect((await request(port, '/other')).status).toBe(404);
    expect((await request(port, '/only/x')).status).toBe(200);
    expect(h.runtime.stats.value('http.http.downstream_rq_4xx')).toBeGreaterThan(0);
    expect(h.runtime.stats.value('cluster.a.upstream_rq_2xx')).toBeGreaterThan(0);
  });
});
