// Integration: upstream_bind_config.source_address (istio's inbound clusters connect from 127.0.0.6 so the
// iptables rules let the connection through instead of capturing it again) — HTTP/1.1, HTTP/2 and tcp_proxy.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, T, httpListener, request, routeConfig, staticCluster } from '../test-support/mesh-harness.test.ts';

describe('upstream_bind_config', () => {
  let h: MeshHarness;
  const seen: Record<string, string[]> = { h1: [], h2: [], tcp: [] };
  let h1: http.Server;
  let h2: http2.Http2Server;
  let tcp: net.Server;

  const portOf = (s: net.Server | http.Server | http2.Http2Server) => (s.address() as net.AddressInfo).port;

  beforeAll(async () => {
    h1 = http.createServer((req, res) => {
      seen['h1']!.push(req.socket.remoteAddress ?? '');
      res.end('ok');
    });
    h2 = http2.createServer((req, res) => {
      seen['h2']!.push(req.socket.remoteAddress ?? '');
      res.end('ok');
    });
    tcp = net.createServer((s) => {
      seen['tcp']!.push(s.remoteAddress ?? '');
      s.end('hello');
    });
    for (const s of [h1, h2, tcp]) {
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
    }
    const bind = { upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } } };
    h = await MeshHarness.start();
    await h.set({
      clusters: {
        h1: staticCluster('h1', [portOf(h1)], bind),
        h2: staticCluster('h2', [portOf(h2)], {
          ...bind,
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        }),
        tcp: staticCluster('tcp', [portOf(tcp)], bind),
      },
      routes: {},
      endpoints: {},
      listeners: {
        http: httpListener('http', 0, {
          inline: routeConfig('inline', [
            { match: { prefix: '/h2' }, route: { cluster: 'h2' } },
            { match: { prefix: '/' }, route: { cluster: 'h1' } },
          ]),
        }),
        tcp: {
          name: 'tcp',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, stat_prefix: 'tcp', cluster: 'tcp' } }] }],
        },
      },
    });
  });

  afterAll(async () => {
    await h?.close();
    for (const s of [h1, h2, tcp]) s?.close();
  });

  it('HTTP/1.1 and HTTP/2 upstream connections come from the configured source address', async () => {
    expect((await request(h.port('http'), '/a')).status).toBe(200);
    expect((await request(h.port('http'), '/h2')).status).toBe(200);
    expect(seen['h1']).toEqual(['127.0.0.6']);
    expect(seen['h2']).toEqual(['127.0.0.6']);
  });

  it('tcp_proxy connections come from the configured source address', async () => {
    const sock = net.connect(h.port('tcp'), '127.0.0.1');
    let data = '';
    sock.on('data', (d) => (data += d));
    await once(sock, 'close');
    expect(data).toBe('hello');
    expect(seen['tcp']).toEqual(['127.0.0.6']);
  });
});
