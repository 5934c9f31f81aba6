// Integration: HTTP/2 on both sides, protocol translation, and gRPC framing with trailers end to end.
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, cla, edsCluster, freePort, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

const H2 = { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } } };

function frame(msg: string): Buffer {
  const body = Buffer.from(msg);
  const b = Buffer.alloc(5 + body.length);
  b.writeUInt32BE(body.length, 1);
  body.copy(b, 5);
  return b;
}

function unframe(buf: Buffer): string[] {
  const out: string[] = [];
  for (let p = 0; p + 5 <= buf.length; ) {
    const len = buf.readUInt32BE(p + 1);
    out.push(buf.subarray(p + 5, p + 5 + len).toString());
    p += 5 + len;
  }
  return out;
}

interface H2Reply {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function h2request(port: number, headers: http2.OutgoingHttpHeaders, body?: Buffer | Buffer[]): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request(headers);
    let rh: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (rh = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      session.close();
      resolve({ headers: rh, trailers, body: Buffer.concat(chunks) });
    });
    stream.on('error', reject);
    if (Array.isArray(body)) {
      // Streamed messages, sent one by one.
      let i = 0;
      const next = (): void => {
        if (i < body.length) {
          stream.write(body[i++]);
          setTimeout(next, 10);
        } else stream.end();
      };
      next();
    } else stream.end(body);
  });
}

describe('HTTP/2 and gRPC', () => {
  let h: MeshHarness;
  let grpcServer: http2.Http2Server;
  let echo: Echo;
  let port: number;

  beforeAll(async () => {
    h = await MeshHarness.start();
    echo = await startEcho('h1');
    // A gRPC-style server: echoes every framed message uppercased, then trailers with grpc-status.
    grpcServer = http2.createServer();
    grpcServer.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const path = String(headers[':path']);
        if (path.endsWith('/Fail')) {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'not found' }, { endStream: true });
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-proto': String(headers[':scheme']) }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
        const msgs = unframe(Buffer.concat(chunks));
        for (const m of msgs) stream.write(frame(m.toUpperCase()));
        stream.end();
      });
    });
    await new Promise<void>((r) => grpcServer.listen(0, '127.0.0.1', r));
    const gport = (grpcServer.address() as { port: number }).port;
    const dead = await freePort();
    await h.set({
      clusters: { grpc: edsCluster('grpc', H2), h1: edsCluster('h1'), deadh2: edsCluster('deadh2', { ...H2, connect_timeout: '0.3s' }) },
      endpoints: { grpc: cla('grpc', [gport]), h1: cla('h1', [echo.port]), deadh2: cla('deadh2', [dead]) },
      listeners: { http: httpListener('http', 0, { rds: 'r' }) },
      routes: {
        r: routeConfig('r', [
          { match: { prefix: '/test.Echo/', grpc: {} }, route: { cluster: 'grpc', timeout: '0s' } },
          { match: { prefix: '/h2up' }, route: { cluster: 'grpc' } },
          { match: { prefix: '/dead' }, route: { cluster: 'deadh2', retry_policy: { retry_on: 'connect-failure', num_retries: 1, retry_back_off: { base_interval: '0.01s' } } } },
          { match: { prefix: '/' }, route: { cluster: 'h1' } },
        ]),
      },
    });
    port = h.port('http');
  });

  afterAll(async () => {
    await h.close();
    await echo.close();
    await new Promise((r) => grpcServer.close(r));
  });

  it('carries a unary gRPC call over HTTP/2 on both sides with trailers', async () => {
    const r = await h2request(port, { ':method': 'POST', ':path': '/test.Echo/Echo', 'content-type': 'application/grpc', te: 'trailers' }, frame('hello'));
    expect(r.headers[':status']).toBe(200);
    expect(r.headers['x-proto']).toBe('http');
    expect(unframe(r.body)).toEqual(['HELLO']);
    expect(r.trailers['grpc-status']).toBe('0');
    expect(r.trailers['grpc-message']).toBe('ok');
    expect(h.runtime.stats.value('http.http.downstream_cx_http2_total')).toBeGreaterThan(0);
  });

  it('streams several client messages and relays trailers-only errors', async () => {
    const r = await h2request(port, { ':method': 'POST', ':path': '/test.Echo/Stream', 'content-type': 'application/grpc', te: 'trailers' }, [frame('a'), frame('b'), frame('c')]);
    expect(unframe(r.body)).toEqual(['A', 'B', 'C']);
    const f = await h2request(port, { ':method': 'POST', ':path': '/test.Echo/Fail', 'content-type': 'application/grpc', te: 'trailers' }, frame('x'));
    expect(f.headers['grpc-status'] ?? f.trailers['grpc-status']).toBe('5');
  });

  it('the grpc route match requires a gRPC content-type', async () => {
    const r = await h2request(port, { ':method': 'POST', ':path': '/test.Echo/Echo', 'content-type': 'text/plain' }, Buffer.from('x'));
    expect(JSON.parse(r.body.toString()).name).toBe('h1');
  });

  it('translates HTTP/2 downstream to HTTP/1.1 upstream and HTTP/1.1 downstream to HTTP/2 upstream', async () => {
    const r = await h2request(port, { ':method': 'GET', ':path': '/plain', ':authority': 'svc.test' });
    const seen = JSON.parse(r.body.toString()) as { name: string; headers: Record<string, string> };
    expect(seen.name).toBe('h1');
    expect(seen.headers['host']).toBe('svc.test');
    const up = await request(port, '/h2up', { method: 'POST', body: '', headers: { 'content-type': 'application/grpc' } });
    expect(up.status).toBe(200);
    expect(up.headers['x-proto']).toBe('http');
  });

  it('reports connect failures to an HTTP/2 upstream as 503 after retrying', async () => {
    const r = await request(port, '/dead');
    expect(r.status).toBe(503);
    expect(r.body).toContain('connection failure');
    expect(h.runtime.stats.value('cluster.deadh2.upstream_rq_retry')).toBe(1);
  });
});
