// Unit: Envoy's filter chain selection order and specificity rules; TLS ClientHello and HTTP sniffing.
import tls from 'node:tls';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { compileListener } from './compile-listener.ts';
import { parseClientHello, sniffHttp } from './client-hello.ts';
import { selectFilterChain, type ConnectionFacts } from './filter-chain-select.ts';

const tcp = (name: string): object => ({ name, filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: name, cluster: name } }] });

const listener = compileListener(
  {
    name: 'virtualInbound',
    address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
    filter_chains: [
      { ...tcp('port-9080'), filter_chain_match: { destination_port: 9080 } },
      { ...tcp('port-9080-tls'), filter_chain_match: { destination_port: 9080, transport_protocol: 'tls' } },
      { ...tcp('port-9080-h2'), filter_chain_match: { destination_port: 9080, application_protocols: ['h2c'] } },
      { ...tcp('ip-10.1'), filter_chain_match: { prefix_ranges: [{ address_prefix: '10.1.0.0', prefix_len: 16 }] } },
      { ...tcp('ip-10.1.2'), filter_chain_match: { prefix_ranges: [{ address_prefix: '10.1.2.0', prefix_len: 24 }] } },
      { ...tcp('sni-exact'), filter_chain_match: { server_names: ['api.example.com'] } },
      { ...tcp('sni-wild'), filter_chain_match: { server_names: ['*.example.com'] } },
      { ...tcp('src'), filter_chain_match: { source_prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: 16 }] } },
    ],
    default_filter_chain: tcp('default'),
  },
  () => undefined,
);

const base: ConnectionFacts = { destinationIp: '10.9.9.9', destinationPort: 80, sourceIp: '10.0.0.1', sourcePort: 5555, directSourceIp: '10.0.0.1', serverName: '', transportProtocol: 'raw_buffer', applicationProtocols: [] };
const pick = (f: Partial<ConnectionFacts>): string | undefined => selectFilterChain(listener, { ...base, ...f })?.name;

describe('selectFilterChain', () => {
  it('prefers the destination port, then narrows by transport and application protocol', () => {
    expect(pick({ destinationPort: 9080 })).toBe('port-9080');
    expect(pick({ destinationPort: 9080, transportProtocol: 'tls' })).toBe('port-9080-tls');
    expect(pick({ destinationPort: 9080, applicationProtocols: ['h2c'] })).toBe('port-9080-h2');
  });
  it('uses the longest destination prefix', () => {
    expect(pick({ destinationIp: '10.1.2.3' })).toBe('ip-10.1.2');
    expect(pick({ destinationIp: '10.1.9.3' })).toBe('ip-10.1');
  });
  it('prefers exact server names over wildcards', () => {
    expect(pick({ serverName: 'api.example.com' })).toBe('sni-exact');
    expect(pick({ serverName: 'www.example.com' })).toBe('sni-wild');
  });
  it('matches source ranges, else falls back to the default chain', () => {
    expect(pick({ sourceIp: '192.168.3.4' })).toBe('src');
    expect(pick({})).toBe('default');
  });
});

describe('listener inspectors', () => {
  it('reads SNI and ALPN from a real ClientHello', async () => {
    const hello = await new Promise<Buffer>((resolve) => {
      const srv = net.createServer((s) => s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        srv.close();
      }));
      srv.listen(0, '127.0.0.1', () => {
        const c = tls.connect({ port: (srv.address() as net.AddressInfo).port, host: '127.0.0.1', servername: 'reviews.default.svc', ALPNProtocols: ['istio-peer-exchange', 'h2'] });
        c.on('error', () => undefined);
      });
    });
    expect(parseClientHello(hello)).toEqual({ serverName: 'reviews.default.svc', alpn: ['istio-peer-exchange', 'h2'] });
    expect(parseClientHello(hello.subarray(0, 10))).toBe('need-more');
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('not-tls');
  });
  it('tells HTTP/1.1 from HTTP/2 prior knowledge', () => {
    expect(sniffHttp(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'))).toBe('h2c');
    expect(sniffHttp(Buffer.from('PRI * HT'))).toBe('need-more');
    expect(sniffHttp(Buffer.from('POST /x HTTP/1.1\r\n'))).toBe('http/1.1');
    expect(sniffHttp(Buffer.from([0, 1, 2, 3, 32]))).toBeUndefined();
  });
});
