// Integration: malformed downstream input gets an error or a closed connection, never a crash.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, cla, edsCluster, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString('latin1')));
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.write(bytes);
    setTimeout(() => s.end(), 200);
  });
}

describe('malformed input', () => {
  let h: MeshHarness;
  let echo: Echo;
  let port: number;

  beforeAll(async () => {
    h = await MeshHarness.start();
    echo = await startEcho('e');
    await h.set({
      clusters: { e: edsCluster('e') },
      endpoints: { e: cla('e', [echo.port]) },
      listeners: { http: httpListener('http', 0, { inline: routeConfig('inline', [{ match: { prefix: '/' }, route: { cluster: 'e' } }]) }) },
    });
    port = h.port('http');
  });

  afterAll(async () => {
    await h.close();
    await echo.close();
  });

  it('answers 400 to broken HTTP/1.1 and survives garbage, bad HTTP/2 prefaces and bad percent-encoding', async () => {
    expect(await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    await raw(port, Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00]));
    await raw(port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x04\x09\x00\x00\x00\x00\x00garbage');
    await raw(port, 'GET /%zz%%?a=%ff HTTP/1.1\r\nHost: x\r\n\r\n');
    await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    const ok = await request(port, '/after?x=%zz');
    expect(ok.status).toBe(200);
    expect(ok.json().path).toBe('/after?x=%zz');
  });
});
