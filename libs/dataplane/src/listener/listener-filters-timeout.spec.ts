// Integration: listener_filters_timeout. Istio's virtualInbound sets it to 0s, which Envoy reads as "no timeout":
// the inspectors wait for the client's first bytes however late they come. A positive timeout with
// continue_on_listener_filters_timeout hands a silent connection to the chain that needs no sniffed protocol.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HCM, MeshHarness, ROUTER, T, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

const inspectors = [
  { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` } },
  { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector` } },
];

/** Connects, waits `delayMs` before sending a GET, and resolves with everything the proxy answered. */
function lateRequest(port: number, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let answer = '';
    s.on('data', (c: Buffer) => {
      answer += c.toString();
      if (answer.includes('\r\n\r\n')) s.end();
    });
    s.on('close', () => resolve(answer));
    s.on('error', reject);
    s.on('connect', () => setTimeout(() => s.write('GET /late HTTP/1.1\r\nhost: svc\r\nconnection: close\r\n\r\n'), delayMs));
  });
}

describe('listener_filters_timeout', () => {
  let h: MeshHarness;
  let svc: Echo;

  beforeAll(async () => {
    svc = await startEcho('svc');
    h = await MeshHarness.start();
    const httpChain = (prefix: string): object => ({
      filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] },
      filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: prefix, route_config: routeConfig(prefix, [{ match: { prefix: '/' }, route: { cluster: 'svc' } }]), http_filters: [ROUTER] } }],
    });
    await h.set({
      clusters: {
        svc: { name: 'svc', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'svc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: svc.port } } } }] }] } },
      },
      listeners: {
        // As Istio's virtualInbound: 0s disables the timeout; only sniffed HTTP has a chain.
        untimed: {
          name: 'untimed',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          listener_filters: inspectors,
          listener_filters_timeout: '0s',
          continue_on_listener_filters_timeout: true,
          filter_chains: [httpChain('untimed')],
        },
        timed: {
          name: 'timed',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          listener_filters: inspectors,
          listener_filters_timeout: '0.05s',
          continue_on_listener_filters_timeout: true,
          filter_chains: [
            httpChain('timed'),
            { filter_chain_match: { transport_protocol: 'raw_buffer' }, filters: [{ name: 'tcp', typed_config: { '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, stat_prefix: 'timed_tcp', cluster: 'svc' } }] },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    await h.close();
    await svc.close();
  });

  it('0s waits for a client that sends its request late, then sniffs HTTP', async () => {
    const answer = await lateRequest(h.port('untimed'), 300);
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(h.runtime.stats.value('http.untimed.downstream_rq_total')).toBe(1);
    expect(h.runtime.stats.value('listener.127.0.0.1_0.no_filter_chain_match') ?? 0).toBe(0);
  });

  it('a positive timeout gives up sniffing and continues with the chain that needs no protocol', async () => {
    const answer = await lateRequest(h.port('timed'), 300);
    // The bytes went through tcp_proxy to the echo server unchanged, not through the HTTP chain.
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(h.runtime.stats.value('http.timed.downstream_rq_total') ?? 0).toBe(0);
  });
});
