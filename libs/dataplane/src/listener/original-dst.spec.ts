// Integration: the 15001 pattern — a use_original_dst listener hands connections to the listener bound to the
// original destination (bind_to_port: false), inbound-style chains match on the original destination port,
// and ORIGINAL_DST clusters connect to that destination. The SO_ORIGINAL_DST lookup is injected (loopback).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HCM, MeshHarness, ROUTER, T, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

describe('original destination hand-off', () => {
  let h: MeshHarness;
  let svc: Echo;
  let passthrough: Echo;
  /** What the fake SO_ORIGINAL_DST returns for the next connections. */
  let redirectTo: { address: string; port: number } | undefined;

  beforeAll(async () => {
    [svc, passthrough] = await Promise.all([startEcho('svc'), startEcho('passthrough')]);
    h = await MeshHarness.start({ runtime: { originalDst: () => redirectTo } });
    const tcp = (cluster: string): object => ({ name: 'tcp', typed_config: { '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, stat_prefix: cluster, cluster } });
    const hcm = (prefix: string, cluster: string): object => ({ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: prefix, route_config: routeConfig(prefix, [{ match: { prefix: '/' }, route: { cluster } }]), http_filters: [ROUTER] } });
    await h.set({
      clusters: {
        PassthroughCluster: { name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '1s' },
        svc: { name: 'svc', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'svc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: svc.port } } } }] }] } },
      },
      listeners: {
        virtualOutbound: {
          name: 'virtualOutbound',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          use_original_dst: true,
          filter_chains: [{ filters: [tcp('PassthroughCluster')] }],
        },
        '10.96.0.10_9080': {
          name: '10.96.0.10_9080',
          address: { socket_address: { address: '10.96.0.10', port_value: 9080 } },
          bind_to_port: false,
          filter_chains: [{ filters: [hcm('outbound_10.96.0.10_9080', 'svc')] }],
        },
        '0.0.0.0_7070': {
          name: '0.0.0.0_7070',
          address: { socket_address: { address: '0.0.0.0', port_value: 7070 } },
          bind_to_port: false,
          filter_chains: [{ filters: [hcm('outbound_0.0.0.0_7070', 'svc')] }],
        },
        virtualInbound: {
          name: 'virtualInbound',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          listener_filters: [
            { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': `${T}envoy.extensions.filters.listener.original_dst.v3.OriginalDst` } },
            { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector` } },
          ],
          filter_chains: [
            { filter_chain_match: { destination_port: 8080, application_protocols: ['http/1.1', 'h2c'] }, filters: [hcm('inbound_8080', 'svc')] },
            { filter_chain_match: { destination_port: 8080 }, filters: [tcp('svc')] },
            // Test traffic must stay on loopback: this chain proxies to the local svc cluster, never to 10.x.
            { filter_chain_match: { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] }, filters: [tcp('svc')] },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    await h.close();
    await Promise.all([svc.close(), passthrough.close()]);
  });

  it('hands off to the exact ip:port listener, then the 0.0.0.0:port one', async () => {
    const acceptedBefore = h.runtime.stats.value('listener.127.0.0.1_0.downstream_cx_total') ?? 0;
    redirectTo = { address: '10.96.0.10', port: 9080 };
    const r = await request(h.port('virtualOutbound'), '/a');
    expect(r.json().name).toBe('svc');
    expect(h.runtime.stats.value('http.outbound_10.96.0.10_9080.downstream_rq_total')).toBe(1);
    redirectTo = { address: '10.96.0.99', port: 7070 };
    expect((await request(h.port('virtualOutbound'), '/b')).json().name).toBe('svc');
    expect(h.runtime.stats.value('http.outbound_0.0.0.0_7070.downstream_rq_total')).toBe(1);
    // Envoy counts a handed-off connection on the listener that owns it, not on virtualOutbound.
    expect(h.runtime.stats.value('listener.10.96.0.10_9080.downstream_cx_total')).toBe(1);
    expect(h.runtime.stats.value('listener.0.0.0.0_7070.downstream_cx_total')).toBe(1);
    expect(h.runtime.stats.value('listener.127.0.0.1_0.downstream_cx_total') ?? 0).toBe(acceptedBefore);
  });

  it('without a matching listener keeps the connection and passes it through to the original destination', async () => {
    redirectTo = { address: '127.0.0.1', port: passthrough.port };
    const r = await request(h.port('virtualOutbound'), '/through');
    expect(r.json().name).toBe('passthrough');
    expect(r.json().path).toBe('/through');
  });

  it('inbound chains match the original destination port and sniffed application protocol', async () => {
    redirectTo = { address: '10.1.2.3', port: 8080 };
    const r = await request(h.port('virtualInbound'), '/in');
    expect(r.json().name).toBe('svc');
    expect(h.runtime.stats.value('http.inbound_8080.downstream_rq_total')).toBe(1);
    // Non-HTTP bytes on the same port take the tcp_proxy chain; the echo upstream answers 400 to garbage.
    const raw = net.connect(h.port('virtualInbound'), '127.0.0.1');
    const answer = await new Promise<string>((resolve) => {
      let b = '';
      raw.on('data', (c: Buffer) => (b += c.toString()));
      raw.on('close', () => resolve(b));
      raw.write('\x00\x01binary\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(h.runtime.stats.value('http.inbound_8080.downstream_rq_total')).toBe(1);
  });

  it('prefix_ranges select a chain by destination address; no match closes the connection', async () => {
    redirectTo = { address: '10.9.9.9', port: 1 };
    expect((await request(h.port('virtualInbound'), '/x')).json().name).toBe('svc');
    redirectTo = { address: '192.168.1.1', port: 1 };
    await expect(request(h.port('virtualInbound'), '/x')).rejects.toThrow();
    expect(h.runtime.stats.value('listener.127.0.0.1_0.no_filter_chain_match')).toBe(1);
  });
});
