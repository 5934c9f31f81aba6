// Integration: TLS origination (mTLS with SDS certificates and SAN verification), termination with client
// certificate SAN checks, SNI-based filter chains with tls_inspector, and tcp_proxy — all over ADS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { CertificateAuthority, type IssuedCertificate } from '@mesh/security';
import type { EnvoyJson } from '@mesh/xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HCM, MeshHarness, ROUTER, T, cla, edsCluster, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

const UP_TLS = `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`;
const DOWN_TLS = `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`;
const TCP = `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`;
const spiffe = (sa: string): string => `spiffe://cluster.local/ns/default/sa/${sa}`;

function upstreamTls(san: string): EnvoyJson {
  return {
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': UP_TLS,
        sni: 'backend.default.svc.cluster.local',
        common_tls_context: {
          tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { ads: {}, resource_api_version: 'V3' } }],
          combined_validation_context: {
            default_validation_context: { match_subject_alt_names: [{ exact: san }] },
            validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: { ads: {}, resource_api_version: 'V3' } },
          },
        },
      },
    },
  };
}

function tcpChain(cluster: string, match: EnvoyJson = {}): EnvoyJson {
  return { filter_chain_match: match, filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP, stat_prefix: cluster, cluster } }] };
}

function tlsClient(port: number, opts: tls.ConnectionOptions): Promise<{ socket: tls.TLSSocket; data: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...opts }, () => {
      let buf = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (buf += c));
      resolve({ socket, data: () => new Promise((r) => socket.once('end', () => r(buf))) });
    });
    socket.once('error', reject);
  });
}

describe('TLS and tcp_proxy over ADS', () => {
  let h: MeshHarness;
  let ca: CertificateAuthority;
  let proxyCert: IssuedCertificate;
  let clientCert: IssuedCertificate;
  let backend: https.Server;
  let tcpEcho: net.Server;
  let sniA: tls.Server;
  let sniB: tls.Server;
  let h2backend: http2.Http2SecureServer;
  let certDir: string;
  let plain: Echo;

  const listen = async (s: net.Server): Promise<number> => {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as net.AddressInfo).port;
  };

  beforeAll(async () => {
    ca = await CertificateAuthority.create();
    proxyCert = await ca.issue({ uris: [spiffe('proxy')] });
    clientCert = await ca.issue({ uris: [spiffe('client')] });
    const backendCert = await ca.issue({ uris: [spiffe('backend')], dnsNames: ['backend.default.svc.cluster.local'] });
    backend = https.createServer({ cert: backendCert.certPem, key: backendCert.keyPem, ca: ca.rootPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
      res.end(JSON.stringify({ peer: peer.subjectaltname, sni: (req.socket as tls.TLSSocket & { servername?: string }).servername }));
    });
    tcpEcho = net.createServer((s) => s.pipe(s));
    const sniServer = (name: string): tls.Server => tls.createServer({ cert: backendCert.certPem, key: backendCert.keyPem }, (s) => s.end(`backend-${name}`));
    sniA = sniServer('a');
    sniB = sniServer('b');
    h2backend = http2.createSecureServer({ cert: backendCert.certPem, key: backendCert.keyPem, ca: ca.rootPem, requestCert: true, rejectUnauthorized: true, allowHTTP1: true }, (req, res) => {
      res.end(JSON.stringify({ version: req.httpVersion, peer: (req.socket as tls.TLSSocket).getPeerCertificate().subjectaltname }));
    });
    certDir = mkdtempSync(join(tmpdir(), 'mesh-certs-'));
    writeFileSync(join(certDir, 'cert.pem'), proxyCert.certPem);
    writeFileSync(join(certDir, 'key.pem'), proxyCert.keyPem);
    writeFileSync(join(certDir, 'root.pem'), ca.rootPem);
    plain = await startEcho('plain');
    const [bp, tp, ap, bpp, h2p] = [await listen(backend), await listen(tcpEcho), await listen(sniA), await listen(sniB), await listen(h2backend)];
    h = await MeshHarness.start();
    await h.set({
      secrets: {
        default: { name: 'default', tls_certificate: { certificate_chain: { inline_string: proxyCert.certPem }, private_key: { inline_string: proxyCert.keyPem } } },
        ROOTCA: { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: ca.rootPem } } },
      },
      clusters: {
        secure: edsCluster('secure', upstreamTls(spiffe('backend'))),
        wrongsan: edsCluster('wrongsan', upstreamTls(spiffe('someone-else'))),
        tcpecho: edsCluster('tcpecho'),
        a: edsCluster('a'),
        b: edsCluster('b'),
        plain: edsCluster('plain'),
        h2tls: edsCluster('h2tls', {
          ...upstreamTls(spiffe('backend')),
          typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`, explicit_http_config: { http2_protocol_options: {} } } },
        }),
        files: edsCluster('files', {
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': UP_TLS,
              common_tls_context: {
                tls_certificates: [{ certificate_chain: { filename: join(certDir, 'cert.pem') }, private_key: { filename: join(certDir, 'key.pem') } }],
                validation_context: { trusted_ca: { filename: join(certDir, 'root.pem') }, match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: spiffe('backend') } }] },
              },
            },
          },
        }),
      },
      endpoints: { plain: cla('plain', [plain.port]), h2tls: cla('h2tls', [h2p]), files: cla('files', [bp]), secure: cla('secure', [bp]), wrongsan: cla('wrongsan', [bp]), tcpecho: cla('tcpecho', [tp]), a: cla('a', [ap]), b: cla('b', [bpp]) },
      routes: {
        r: routeConfig('r', [
          { match: { prefix: '/wrong' }, route: { cluster: 'wrongsan' } },
          { match: { prefix: '/h2' }, route: { cluster: 'h2tls' } },
          { match: { prefix: '/files' }, route: { cluster: 'files' } },
          { match: { prefix: '/' }, route: { cluster: 'secure' } },
        ]),
      },
      listeners: {
        http: { name: 'http', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 'out', rds: { route_config_name: 'r', config_source: { ads: {} } }, http_filters: [ROUTER] } }] }] },
        mtls: {
          name: 'mtls',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` } }],
          filter_chains: [
            {
              transport_socket: {
                name: 'tls',
                typed_config: {
                  '@type': DOWN_TLS,
                  require_client_certificate: true,
                  common_tls_context: {
                    alpn_protocols: ['h2', 'http/1.1'],
                    tls_certificate_sds_secret_configs: [{ name: 'default' }],
                    combined_validation_context: { default_validation_context: { match_subject_alt_names: [{ prefix: 'spiffe://cluster.local/ns/default/' }] }, validation_context_sds_secret_config: { name: 'ROOTCA' } },
                  },
                },
              },
              filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 'in', route_config: routeConfig('in', [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'terminated' } } }]), http_filters: [ROUTER] } }],
            },
          ],
        },
        xfcc: {
          name: 'xfcc',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              transport_socket: { name: 'tls', typed_config: { '@type': DOWN_TLS, require_client_certificate: true, common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default' }], validation_context_sds_secret_config: { name: 'ROOTCA' } } } },
              filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 'xfcc', forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: { subject: true, uri: true, dns: true }, route_config: routeConfig('x', [{ match: { prefix: '/' }, route: { cluster: 'plain' } }]), http_filters: [ROUTER] } }],
            },
          ],
        },
        tcp: { name: 'tcp', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [tcpChain('tcpecho')] },
        sni: {
          name: 'sni',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` } }],
          filter_chains: [tcpChain('a', { server_names: ['a.test'] }), tcpChain('b', { server_names: ['*.b.test'] }), tcpChain('tcpecho', { transport_protocol: 'raw_buffer' })],
        },
      },
    });
  });

  afterAll(async () => {
    await h.close();
    for (const s of [backend, tcpEcho, sniA, sniB, h2backend]) s.close();
    rmSync(certDir, { recursive: true, force: true });
    await plain.close();
  });

  it('adds x-forwarded-client-cert for mTLS clients (APPEND_FORWARD with subject, URI and DNS)', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: h.port('xfcc'), path: '/', ca: ca.rootPem, cert: clientCert.certPem, key: clientCert.keyPem, checkServerIdentity: () => undefined, headers: { 'x-forwarded-client-cert': 'By=spiffe://prior;URI=spiffe://origin' } }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    const xfcc = String((JSON.parse(body) as { headers: Record<string, string> }).headers['x-forwarded-client-cert']);
    expect(xfcc).toMatch(new RegExp(`^By=spiffe://prior;URI=spiffe://origin,By=${spiffe('proxy')};Hash=[0-9a-f]{64};Subject="";URI=${spiffe('client')}$`));
  });

  it('originates HTTP/2 over mTLS, and loads certificates from files with typed SAN matchers', async () => {
    const r = JSON.parse((await request(h.port('http'), '/h2')).body) as { version: string; peer: string };
    expect(r).toEqual({ version: '2.0', peer: `URI:${spiffe('proxy')}` });
    const f = JSON.parse((await request(h.port('http'), '/files')).body) as { peer: string };
    expect(f.peer).toBe(`URI:${spiffe('proxy')}`);
  });

  it('terminates TLS for HTTP/2 clients (ALPN h2)', async () => {
    const session = http2.connect(`https://127.0.0.1:${h.port('mtls')}`, { ca: ca.rootPem, cert: clientCert.certPem, key: clientCert.keyPem, checkServerIdentity: () => undefined });
    const body = await new Promise<string>((resolve, reject) => {
      const st = session.request({ ':path': '/' });
      let b = '';
      st.on('data', (c: Buffer) => (b += c.toString()));
      st.on('end', () => resolve(b));
      st.on('error', reject);
    });
    session.close();
    expect(body).toBe('terminated');
    expect(h.runtime.stats.value('http.in.downstream_cx_http2_total')).toBeGreaterThanOrEqual(1);
  });

  it('accepts TLS clients whose ALPN offers none of the listener protocols (no ALPN selected)', async () => {
    const c = await tlsClient(h.port('mtls'), { ca: ca.rootPem, cert: clientCert.certPem, key: clientCert.keyPem, ALPNProtocols: ['istio-peer-exchange', 'istio'], checkServerIdentity: () => undefined });
    expect(c.socket.alpnProtocol).toBe(false);
    c.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await c.data()).toMatch(/^HTTP\/1\.1 200[\s\S]*terminated$/);
  });

  it('originates mTLS with the SDS certificate and verifies the upstream SAN', async () => {
    const r = await request(h.port('http'), '/hello');
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body) as { peer: string; sni: string };
    expect(seen.peer).toBe(`URI:${spiffe('proxy')}`);
    expect(seen.sni).toBe('backend.default.svc.cluster.local');
  });

  it('refuses an upstream whose SAN does not match', async () => {
    const r = await request(h.port('http'), '/wrong');
    expect(r.status).toBe(503);
    expect(r.body).toContain('connection failure');
  });

  it('terminates TLS, requiring a client certificate with an allowed SAN', async () => {
    const port = h.port('mtls');
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/', ca: ca.rootPem, cert: clientCert.certPem, key: clientCert.keyPem, servername: 'localhost', checkServerIdentity: () => undefined }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    expect(body).toBe('terminated');
    await expect(
      new Promise((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, path: '/', ca: ca.rootPem, checkServerIdentity: () => undefined }, resolve).on('error', reject);
      }),
    ).rejects.toThrow();
  });

  it('tcp_proxy splices bytes to the cluster', async () => {
    const s = net.connect(h.port('tcp'), '127.0.0.1');
    const got = await new Promise<string>((resolve) => {
      let b = '';
      s.on('data', (c: Buffer) => {
        b += c.toString();
        if (b.length >= 5) {
          s.end();
          resolve(b);
        }
      });
      s.write('ping!');
    });
    expect(got).toBe('ping!');
  });

  it('tls_inspector picks filter chains by SNI (exact and wildcard) and raw_buffer by transport protocol', async () => {
    const port = h.port('sni');
    const a = await tlsClient(port, { servername: 'a.test', rejectUnauthorized: false });
    expect(await a.data()).toBe('backend-a');
    const b = await tlsClient(port, { servername: 'x.b.test', rejectUnauthorized: false });
    expect(await b.data()).toBe('backend-b');
    const raw = net.connect(port, '127.0.0.1');
    const echoed = await new Promise<string>((resolve) => {
      raw.once('data', (c: Buffer) => {
        raw.end();
        resolve(c.toString());
      });
      raw.write('plain bytes');
    });
    expect(echoed).toBe('plain bytes');
  });
});
