// Integration: HTTP/1.1 Upgrade (WebSocket handshake) is routed, rewritten and spliced to the upstream.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, cla, edsCluster, httpListener, routeConfig } from '../test-support/mesh-harness.test.ts';

describe('HTTP upgrade', () => {
  let h: MeshHarness;
  let upstream: http.Server;
  const seen: { url: string; host: string; added: string | undefined }[] = [];
  const upgraded: net.Socket[] = [];

  beforeAll(async () => {
    upstream = http.createServer((_q, s) => s.end('not an upgrade'));
    upstream.on('upgrade', (req, socket: net.Socket) => {
      upgraded.push(socket);
      seen.push({ url: req.url ?? '', host: req.headers.host ?? '', added: req.headers['x-added'] as string | undefined });
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (c: Buffer) => socket.write(`echo:${c.toString()}`));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    h = await MeshHarness.start();
    await h.set({
      clusters: { ws: edsCluster('ws') },
      endpoints: { ws: cla('ws', [(upstream.address() as net.AddressInfo).port]) },
      listeners: { http: httpListener('http', 0, { rds: 'r' }) },
      routes: { r: routeConfig('r', [{ match: { prefix: '/socket' }, request_headers_to_add: [{ header: { key: 'x-added', value: '1' } }], route: { cluster: 'ws', prefix_rewrite: '/ws', host_rewrite_literal: 'ws.internal' } }]) },
    });
  });

  afterAll(async () => {
    await h.close();
    upstream.closeAllConnections();
    for (const s of upgraded) s.destroy();
    await new Promise((r) => upstream.close(r));
  });

  it('forwards the handshake and then bytes in both directions', async () => {
    const s = net.connect(h.port('http'), '127.0.0.1');
    const out = await new Promise<string>((resolve) => {
      let buf = '';
      s.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\r\n\r\n') && !buf.includes('echo:')) s.write('hello');
        if (buf.includes('echo:hello')) {
          s.destroy();
          resolve(buf);
        }
      });
      s.write('GET /socket/chat?room=1 HTTP/1.1\r\nHost: front\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n');
    });
    expect(out).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
    expect(seen).toEqual([{ url: '/ws/chat?room=1', host: 'ws.internal', added: '1' }]);
  });

  it('answers 404 to an upgrade without a route', async () => {
    const s = net.connect(h.port('http'), '127.0.0.1');
    const out = await new Promise<string>((resolve) => {
      let buf = '';
      s.on('data', (c: Buffer) => (buf += c.toString()));
      s.on('close', () => resolve(buf));
      s.write('GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    });
    expect(out).toMatch(/^HTTP\/1\.1 404/);
  });
});
