// Integration: RBAC as Istio's AuthorizationPolicy generates it — HTTP ALLOW by mTLS identity, method and path;
// network DENY by source IP on a tcp_proxy chain.
import https from 'node:https';
import net from 'node:net';
import { CertificateAuthority, type IssuedCertificate } from '@mesh/security';
import type { EnvoyJson } from '@mesh/xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HCM, MeshHarness, ROUTER, T, cla, edsCluster, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

const spiffe = (sa: string): string => `spiffe://cluster.local/ns/default/sa/${sa}`;

function get(port: number, path: string, cert: IssuedCertificate, ca: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .request({ host: '127.0.0.1', port, path, method, ca, cert: cert.certPem, key: cert.keyPem, checkServerIdentity: () => undefined, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject)
      .end();
  });
}

describe('RBAC', () => {
  let h: MeshHarness;
  let ca: CertificateAuthority;
  let allowed: IssuedCertificate;
  let other: IssuedCertificate;
  let echo: Echo;
  let tcpEcho: net.Server;

  beforeAll(async () => {
    ca = await CertificateAuthority.create();
    const server = await ca.issue({ uris: [spiffe('httpbin')] });
    allowed = await ca.issue({ uris: [spiffe('sleep')] });
    other = await ca.issue({ uris: [spiffe('intruder')] });
    echo = await startEcho('httpbin');
    tcpEcho = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', r));
    const rbacHttp: EnvoyJson = {
      name: 'envoy.filters.http.rbac',
      typed_config: {
        '@type': `${T}envoy.extensions.filters.http.rbac.v3.RBAC`,
        rules: {
          policies: {
            'ns[default]-policy[allow-get]-rule[0]': {
              permissions: [{ and_rules: { rules: [{ or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }] } }, { or_rules: { rules: [{ url_path: { path: { prefix: '/allowed' } } }] } }] } }],
              principals: [{ and_ids: { ids: [{ or_ids: { ids: [{ authenticated: { principal_name: { exact: spiffe('sleep') } } }] } }] } }],
            },
          },
        },
      },
    };
    h = await MeshHarness.start();
    await h.set({
      secrets: {
        default: { name: 'default', tls_certificate: { certificate_chain: { inline_string: server.certPem }, private_key: { inline_string: server.keyPem } } },
        ROOTCA: { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: ca.rootPem } } },
      },
      clusters: { app: edsCluster('app'), tcp: edsCluster('tcp') },
      endpoints: { app: cla('app', [echo.port]), tcp: cla('tcp', [(tcpEcho.address() as net.AddressInfo).port]) },
      listeners: {
        inbound: {
          name: 'inbound',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              transport_socket: { name: 'tls', typed_config: { '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`, require_client_certificate: true, common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default' }], validation_context_sds_secret_config: { name: 'ROOTCA' } } } },
              filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 'inbound', route_config: routeConfig('in', [{ match: { prefix: '/' }, route: { cluster: 'app' } }]), http_filters: [rbacHttp, ROUTER] } }],
            },
          ],
        },
        tcpdeny: {
          name: 'tcpdeny',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              filters: [
                { name: 'envoy.filters.network.rbac', typed_config: { '@type': `${T}envoy.extensions.filters.network.rbac.v3.RBAC`, stat_prefix: 'tcp.', rules: { action: 'DENY', policies: { deny: { permissions: [{ any: true }], principals: [{ remote_ip: { address_prefix: '127.0.0.1', prefix_len: 32 } }] } } } } },
                { name: 'tcp', typed_config: { '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, stat_prefix: 'tcp', cluster: 'tcp' } },
              ],
            },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    await h.close();
    await echo.close();
    tcpEcho.close();
  });

  it('allows the listed identity, method and path and denies everything else with 403', async () => {
    const port = h.port('inbound');
    expect((await get(port, '/allowed/x', allowed, ca.rootPem)).status).toBe(200);
    const wrongPath = await get(port, '/secret', allowed, ca.rootPem);
    expect([wrongPath.status, wrongPath.body]).toEqual([403, 'RBAC: access denied']);
    expect((await get(port, '/allowed/x', allowed, ca.rootPem, 'POST')).status).toBe(403);
    expect((await get(port, '/allowed/x', other, ca.rootPem)).status).toBe(403);
    expect(echo.requests.map((r) => r.path)).toEqual(['/allowed/x']);
    expect(h.runtime.stats.value('http.inbound.rbac.denied')).toBe(3);
  });

  it('network RBAC closes denied TCP connections before proxying', async () => {
    const s = net.connect(h.port('tcpdeny'), '127.0.0.1');
    const got = await new Promise<string>((resolve) => {
      let b = '';
      s.on('data', (c: Buffer) => (b += c.toString()));
      s.on('error', () => resolve(b));
      s.on('close', () => resolve(b));
      s.write('hello');
    });
    expect(got).toBe('');
  });
});
