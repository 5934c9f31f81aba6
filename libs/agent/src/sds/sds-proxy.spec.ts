// The agent's SDS server (secret cache signed by a real CA) feeding a real mesh-proxy process over the
// workload-identity unix socket, with Istio's sds_config form (api_config_source → static cluster sds-grpc):
// an outbound cluster originates mTLS with `default`/`ROOTCA`, an inbound listener terminates it and forwards the
// verified peer identity; a rotated certificate is presented by new connections; a missing secret never falls
// back to plaintext and the proxy reconnects when the SDS server appears.
import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, createCsr, splitPemCertificates } from '@mesh/security';
import { createLogger } from '@mesh/telemetry';
import { freePort, spawnApp, waitFor } from '@mesh/testing';
import { SecretCache } from './secret-cache.ts';
import { startSdsServer, type SdsServer } from './sds-server.ts';

const T = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  downstream: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstream: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  http: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
};
const reviews = 'spiffe://cluster.local/ns/default/sa/reviews';

/** Istio's SdsSecretConfig: fetched from the agent through the static cluster sds-grpc, waiting forever. */
const sds = (name: string) => ({
  name,
  sds_config: {
    api_config_source: { api_type: 'GRPC', set_node_on_first_message_only: true, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] },
    initial_fetch_timeout: '0s',
    resource_api_version: 'V3',
  },
});
const socketAddress = (port: number) => ({ socket_address: { address: '127.0.0.1', port_value: port } });
const staticCluster = (name: string, address: object, extra: object = {}) => ({
  name,
  type: 'STATIC',
  connect_timeout: '1s',
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
  ...extra,
});
const hcm = (statPrefix: string, routes: object[], extra: object = {}) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: { '@type': T.hcm, stat_prefix: statPrefix, route_config: { name: statPrefix, virtual_hosts: [{ name: 'all', domains: ['*'], routes }] }, http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': T.router } }], ...extra },
});
const route = (prefix: string, cluster: string) => ({ match: { prefix }, route: { cluster } });
/** An ISTIO_MUTUAL upstream as istiod generates it: workload cert + ROOTCA from SDS, mesh ALPN, the peer must have `san`. */
const mutualCluster = (name: string, port: number, san: string) =>
  staticCluster(name, socketAddress(port), {
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': T.upstream,
        sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
        common_tls_context: {
          alpn_protocols: ['istio-peer-exchange', 'istio'],
          tls_certificate_sds_secret_configs: [sds('default')],
          combined_validation_context: { default_validation_context: { match_subject_alt_names: [{ exact: san }] }, validation_context_sds_secret_config: sds('ROOTCA') },
        },
      },
    },
  });
/** Istio's istio.alpn filter, wrapped in a TypedStruct (how a config without the Istio proto carries it). */
const istioAlpn = {
  name: 'istio.alpn',
  typed_config: {
    '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
    type_url: 'type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig',
    value: {
      alpn_override: [
        { alpn_override: ['istio-http/1.0', 'istio'] },
        { upstream_protocol: 'HTTP11', alpn_override: ['istio-http/1.1', 'istio'] },
        { upstream_protocol: 'HTTP2', alpn_override: ['istio-h2', 'istio'] },
      ],
    },
  },
};
const inboundTls = {
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': T.downstream,
    require_client_certificate: true,
    common_tls_context: {
      alpn_protocols: ['h2', 'http/1.1'],
      tls_certificate_sds_secret_configs: [sds('default')],
      combined_validation_context: { default_validation_context: { match_subject_alt_names: [{ prefix: 'spiffe://cluster.local/' }] }, validation_context_sds_secret_config: sds('ROOTCA') },
    },
  },
};

/**
 * A sidecar-like bootstrap. Inbound: Istio's mTLS chains chosen by ALPN (istio-http/* → HTTP connection manager
 * forwarding the verified peer identity; istio-peer-exchange/istio → TCP proxy to the plain backend). Outbound:
 * a listener with istio.alpn and one without, both to the same mTLS cluster.
 */
function bootstrap(p: { admin: number; inbound: number; outbound: number; outboundTcp: number; backend: number; tcpBackend: number; socket: string }): object {
  const withAlpn = (statPrefix: string, routes: object[]) => {
    const f = hcm(statPrefix, routes);
    const filters = [istioAlpn, ...f.typed_config.http_filters];
    return { ...f, typed_config: { ...f.typed_config, http_filters: filters } };
  };
  return {
    node: { id: 'sidecar~127.0.0.1~reviews-v1.default~default.svc.cluster.local', cluster: 'reviews.default' },
    admin: { address: socketAddress(p.admin) },
    static_resources: {
      listeners: [
        {
          name: 'inbound_mtls',
          address: socketAddress(p.inbound),
          listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }],
          filter_chains: [
            {
              filter_chain_match: { transport_protocol: 'tls', application_protocols: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'] },
              transport_socket: inboundTls,
              filters: [hcm('inbound', [route('/', 'backend')], { forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: { uri: true } })],
            },
            {
              filter_chain_match: { transport_protocol: 'tls', application_protocols: ['istio-peer-exchange', 'istio'] },
              transport_socket: inboundTls,
              filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'inbound_tcp', cluster: 'tcp_backend' } }],
            },
          ],
        },
        { name: 'outbound', address: socketAddress(p.outbound), filter_chains: [{ filters: [withAlpn('outbound', [route('/wrong-san', 'mtls_wrong_san'), route('/h2', 'mtls_h2'), route('/', 'mtls')])] }] },
        { name: 'outbound_no_alpn_filter', address: socketAddress(p.outboundTcp), filter_chains: [{ filters: [hcm('outbound_plain', [route('/', 'mtls')])] }] },
      ],
      clusters: [
        staticCluster('backend', socketAddress(p.backend)),
        staticCluster('tcp_backend', socketAddress(p.tcpBackend)),
        mutualCluster('mtls', p.inbound, reviews),
        mutualCluster('mtls_wrong_san', p.inbound, 'spiffe://cluster.local/ns/default/sa/ratings'),
        { ...mutualCluster('mtls_h2', p.inbound, reviews), typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': T.http, explicit_http_config: { http2_protocol_options: {} } } } },
        staticCluster('sds-grpc', { pipe: { path: p.socket } }, { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': T.http, explicit_http_config: { http2_protocol_options: {} } } } }),
      ],
    },
  };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The certificate a TLS handshake with the inbound listener presents (we authenticate with a CA-signed client cert). */
function serverCertificate(port: number, client: { cert: string; key: string; ca: string }): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...client, ALPNProtocols: ['istio-http/1.1'], checkServerIdentity: () => undefined }, () => {
      const raw = s.getPeerCertificate().raw;
      s.destroy();
      resolve(new X509Certificate(raw));
    });
    s.setTimeout(5000, () => s.destroy(new Error('handshake timeout')));
    s.on('error', reject);
  });
}

/** What a plaintext HTTP request to a TLS port gets: a response (a plaintext fallback) or the connection's end. */
function plaintextAttempt(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
    let data = '';
    s.on('data', (c: Buffer) => (data += c.toString('latin1')));
    s.setTimeout(3000, () => s.destroy());
    s.on('close', () => resolve(data === '' ? 'closed without data' : data));
    s.on('error', () => undefined);
  });
}

function leafOf(chainPem: string): X509Certificate {
  return new X509Certificate(splitPemCertificates(chainPem)[0] ?? '');
}

interface Sidecar {
  proc: ChildProcess;
  ports: { admin: number; inbound: number; outbound: number; outboundTcp: number; backend: number; tcpBackend: number; socket: string };
  log: () => string;
}

let ca: CertificateAuthority;
let dir: string;
let backend: http.Server;
let backendPort: number;
let tcpBackend: http.Server;
let tcpBackendPort: number;
let client: { cert: string; key: string; ca: string };
const cleanups: Array<() => Promise<void> | void> = [];

/** A secret cache whose certificates the test CA signs for the reviews identity. */
function newCache(): SecretCache {
  return new SecretCache({
    sign: async (csr, ttl) => [...splitPemCertificates(await ca.signCsr(csr, { uris: [reviews], ttlMs: ttl * 1000 })), ...splitPemCertificates(ca.rootPem)],
    identity: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews' },
    ttlSeconds: 3600,
  });
}

async function startSidecar(socket: string): Promise<Sidecar> {
  const ports = { admin: await freePort(), inbound: await freePort(), outbound: await freePort(), outboundTcp: await freePort(), backend: backendPort, tcpBackend: tcpBackendPort, socket };
  const file = join(dir, `bootstrap-${ports.admin}.json`);
  writeFileSync(file, JSON.stringify(bootstrap(ports)));
  const proc = spawnApp('mesh-proxy', ['-c', file, '--log-level', 'info']);
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
  });
  await waitFor(async () => (await get(`http://127.0.0.1:${ports.admin}/server_info`).catch(() => ({ status: 0 }))).status === 200, 20_000, 100);
  return { proc, ports, log: () => out };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sds-proxy-'));
  ca = await CertificateAuthority.create();
  const csr = await createCsr({ uris: ['spiffe://cluster.local/ns/default/sa/productpage'] });
  client = { cert: await ca.signCsr(csr.csrPem, { uris: ['spiffe://cluster.local/ns/default/sa/productpage'] }), key: csr.keyPem, ca: ca.rootPem };
  backend = http.createServer((req, res) => res.end(JSON.stringify({ path: req.url, xfcc: req.headers['x-forwarded-client-cert'] ?? null })));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as net.AddressInfo).port;
  tcpBackend = http.createServer((_req, res) => res.end('reached through the mesh TCP chain'));
  await new Promise<void>((r) => tcpBackend.listen(0, '127.0.0.1', r));
  tcpBackendPort = (tcpBackend.address() as net.AddressInfo).port;
}, 30_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await new Promise((r) => backend?.close(r));
  await new Promise((r) => tcpBackend?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('mesh-proxy with secrets from the agent SDS socket', () => {
  let cache: SecretCache;
  let server: SdsServer;
  let sidecar: Sidecar;

  beforeAll(async () => {
    const socket = join(dir, 'a/var/run/secrets/workload-spiffe-uds/socket');
    cache = newCache();
    server = (await startSdsServer({ socketPath: socket, cache, logger: createLogger('sds-proxy-test', 'silent') }))!;
    cache.start();
    await cache.ready();
    cleanups.push(async () => {
      cache.close();
      await server.close();
    });
    sidecar = await startSidecar(socket);
    await waitFor(async () => (await get(`http://127.0.0.1:${sidecar.ports.admin}/ready`)).status === 200, 20_000, 100);
  }, 60_000);

  it('originates and terminates mTLS with the workload certificate; the inbound side sees the verified SPIFFE identity', async () => {
    const r = await get(`http://127.0.0.1:${sidecar.ports.outbound}/hello`);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { path: string; xfcc: string };
    expect(body.path).toBe('/hello');
    // set_current_client_cert_details.uri: the peer's SAN, as verified in the handshake
    expect(body.xfcc).toContain(`URI=${reviews}`);
    expect(body.xfcc).toContain(`By=${reviews}`);
    const dump = JSON.parse((await get(`http://127.0.0.1:${sidecar.ports.admin}/config_dump`)).body) as { configs: Array<{ dynamic_active_secrets?: Array<{ name: string }> }> };
    const secrets = dump.configs.flatMap((c) => c.dynamic_active_secrets ?? []).map((s) => s.name);
    expect(secrets.sort()).toEqual(['ROOTCA', 'default']);
  });

  it('rejects an upstream whose certificate does not carry the configured SAN', async () => {
    const r = await get(`http://127.0.0.1:${sidecar.ports.outbound}/wrong-san`);
    expect(r.status).toBe(503);
  });

  it('picks the inbound chain by the ALPN istio.alpn sets: istio-http/1.1 reaches HTTP, the cluster\'s own ALPN the TCP chain', async () => {
    const viaHttp = await get(`http://127.0.0.1:${sidecar.ports.outbound}/alpn`);
    expect(viaHttp.status).toBe(200);
    expect((JSON.parse(viaHttp.body) as { path: string }).path).toBe('/alpn');
    // HTTP/2 between the sidecars: ALPN istio-h2 (not h2), so the inbound side recognises HTTP/2 by its preface.
    const viaH2 = await get(`http://127.0.0.1:${sidecar.ports.outbound}/h2`);
    expect(viaH2.status).toBe(200);
    expect((JSON.parse(viaH2.body) as { xfcc: string }).xfcc).toContain(`URI=${reviews}`);
    const viaTcp = await get(`http://127.0.0.1:${sidecar.ports.outboundTcp}/alpn`);
    expect(viaTcp.status).toBe(200);
    expect(viaTcp.body).toBe('reached through the mesh TCP chain');
  });

  it('refuses plaintext on the mTLS listener and clients without a certificate', async () => {
    expect(await plaintextAttempt(sidecar.ports.inbound)).not.toMatch(/^HTTP\//);
    const noCert = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: sidecar.ports.inbound, ca: ca.rootPem, ALPNProtocols: ['istio-http/1.1'], checkServerIdentity: () => undefined }, () => {
        s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
      });
      let data = '';
      s.on('data', (c: Buffer) => (data += c.toString()));
      s.on('close', () => resolve(data));
      s.on('error', () => undefined);
      s.setTimeout(3000, () => s.destroy());
    });
    expect(noCert).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('presents a rotated certificate on new connections without restarting the listener', async () => {
    const before = await serverCertificate(sidecar.ports.inbound, client);
    expect(before.serialNumber).toBe(leafOf(cache.current()!.certChainPem).serialNumber);
    expect(before.subjectAltName).toBe(`URI:${reviews}`);
    await cache.refresh();
    const rotated = leafOf(cache.current()!.certChainPem);
    expect(rotated.serialNumber).not.toBe(before.serialNumber);
    let seen = before.serialNumber;
    await waitFor(async () => (seen = (await serverCertificate(sidecar.ports.inbound, client)).serialNumber) === rotated.serialNumber, 10_000, 100);
    expect(seen).toBe(rotated.serialNumber);
    // the outbound side uses the new certificate too, and the request path still works
    const r = await get(`http://127.0.0.1:${sidecar.ports.outbound}/after-rotation`);
    expect(r.status).toBe(200);
    expect(sidecar.log()).not.toMatch(/"msg":"listening failed|EADDRINUSE/);
  });
});

describe('mesh-proxy before its secrets arrive', () => {
  it('serves neither plaintext nor TLS while the SDS socket is missing, then connects (with backoff) once it appears', async () => {
    const socket = join(dir, 'b/var/run/secrets/workload-spiffe-uds/socket');
    const sidecar = await startSidecar(socket);
    // no SDS server yet: not ready, no plaintext fallback, requests that need mTLS fail
    expect((await get(`http://127.0.0.1:${sidecar.ports.admin}/ready`)).status).toBe(503);
    expect(await plaintextAttempt(sidecar.ports.inbound)).toBe('closed without data');
    await expect(serverCertificate(sidecar.ports.inbound, client)).rejects.toThrow();
    expect((await get(`http://127.0.0.1:${sidecar.ports.outbound}/early`)).status).toBe(503);

    const cache = newCache();
    const server = (await startSdsServer({ socketPath: socket, cache, logger: createLogger('sds-proxy-test', 'silent') }))!;
    cleanups.push(async () => {
      cache.close();
      await server.close();
    });
    cache.start();
    await cache.ready();
    await waitFor(async () => (await get(`http://127.0.0.1:${sidecar.ports.admin}/ready`)).status === 200, 20_000, 100);
    const r = await get(`http://127.0.0.1:${sidecar.ports.outbound}/late`);
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { xfcc: string }).xfcc).toContain(`URI=${reviews}`);
  }, 60_000);
});
