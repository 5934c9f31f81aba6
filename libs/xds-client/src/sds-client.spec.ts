// SDS config-source streams against a real gRPC SecretDiscoveryService on unix sockets: exact subscriptions,
// ACK/NACK on the wire, re-subscription, Delta resume after a reconnect, and grouping by source.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EnvoyJson } from '@mesh/xds';
import { SdsClient } from './sds-client.ts';
import { SdsSecretSources } from './sds-secret-sources.ts';
import { clusterTarget, sdsSourceRefs } from './sds-sources.ts';
import { secretConfigs } from './resource-refs.ts';
import { rootSecret, TestSdsServer } from './sds-test-server.test.ts';

const node = { id: 'sidecar~10.0.0.9~app-1.default~default.svc.cluster.local', cluster: 'app.default' };
/** Test validator: a trusted_ca must start with "CA"; anything else is rejected as the proxy rejects bad PEM. */
const validate = (s: EnvoyJson): string[] => {
  const ca = ((s['validation_context'] as EnvoyJson | undefined)?.['trusted_ca'] as EnvoyJson | undefined)?.['inline_string'];
  return typeof ca === 'string' && ca.startsWith('CA') ? [] : ['validation_context.trusted_ca: not a certificate'];
};
const fast = { initialMs: 50, maxMs: 200 };

let dir: string;
const cleanup: Array<() => unknown> = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sds-client-'));
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function server(name: string): Promise<TestSdsServer> {
  const s = new TestSdsServer(join(dir, name));
  await s.start();
  cleanup.push(() => s.stop());
  return s;
}

function client(target: string, apiType: 'GRPC' | 'DELTA_GRPC', timeoutMs = 0): SdsClient {
  const c = new SdsClient({ target: `unix:${target}`, node, apiType, validate, backoff: fast, initialFetchTimeoutMs: timeoutMs });
  cleanup.push(() => c.dispose());
  return c;
}

function caOf(c: SdsClient, name: string): unknown {
  return ((c.current().get(name)?.['validation_context'] as EnvoyJson | undefined)?.['trusted_ca'] as EnvoyJson | undefined)?.['inline_string'];
}

describe('SdsClient (StreamSecrets)', () => {
  it('requests exactly the referenced names, ACKs with version and nonce, NACKs an invalid secret and keeps the last good one', async () => {
    const s = await server('sotw.sock');
    const c = client(s.socketPath, 'GRPC');
    c.setNames(['default', 'ROOTCA']);
    c.start();
    await s.until(() => s.sotw.length >= 1);
    expect(s.sotw[0]).toMatchObject({ type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', version_info: '', response_nonce: '', node: { id: node.id } });
    expect([...(s.sotw[0]?.resource_names ?? [])].sort()).toEqual(['ROOTCA', 'default']);
    expect(c.awaiting().sort()).toEqual(['ROOTCA', 'default']);

    const n1 = s.sendSotw('v1', [rootSecret('ROOTCA', 'CA-1'), rootSecret('default', 'CA-d')]);
    await s.until(() => s.sotw.some((r) => r.response_nonce === n1));
    const ack = s.sotw.find((r) => r.response_nonce === n1);
    expect(ack).toMatchObject({ version_info: 'v1' });
    expect(ack?.error_detail).toBeUndefined();
    expect(caOf(c, 'ROOTCA')).toBe('CA-1');
    expect(c.awaiting()).toEqual([]);

    const n2 = s.sendSotw('v2', [rootSecret('ROOTCA', 'garbage'), rootSecret('default', 'CA-d')]);
    await s.until(() => s.sotw.some((r) => r.response_nonce === n2));
    const nack = s.sotw.find((r) => r.response_nonce === n2);
    expect(nack?.version_info).toBe('v1'); // the last accepted version
    expect(nack?.error_detail?.message).toContain('Secret resource "ROOTCA": validation_context.trusted_ca: not a certificate');
    expect(caOf(c, 'ROOTCA')).toBe('CA-1');
    expect(c.status().lastNack?.nonce).toBe(n2);
  });

  it('re-subscribes with the full name list when names change, and forgets dropped secrets', async () => {
    const s = await server('resub.sock');
    const c = client(s.socketPath, 'GRPC');
    let updates = 0;
    c.on('update', () => updates++);
    c.setNames(['ROOTCA']);
    c.start();
    await s.until(() => s.sotw.length >= 1);
    const n1 = s.sendSotw('v1', [rootSecret('ROOTCA', 'CA-1')]);
    await s.until(() => s.sotw.some((r) => r.response_nonce === n1));
    c.setNames(['ROOTCA', 'file-root:/etc/certs/root-cert.pem']);
    await s.until(() => s.sotw.some((r) => r.resource_names.length === 2));
    const resub = s.sotw.find((r) => r.resource_names.length === 2);
    expect(resub).toMatchObject({ version_info: 'v1', response_nonce: n1 });
    c.setNames(['file-root:/etc/certs/root-cert.pem']);
    expect(c.current().has('ROOTCA')).toBe(false);
    expect(updates).toBe(2); // the accepted response, then the drop
    await s.until(() => s.sotw.some((r) => r.resource_names.length === 1 && r.resource_names[0] === 'file-root:/etc/certs/root-cert.pem'));
  });

  it('stops blocking readiness when the initial fetch times out', async () => {
    const s = await server('timeout.sock');
    const c = client(s.socketPath, 'GRPC', 200);
    const timedOut = new Promise<void>((r) => c.on('update', r));
    c.setNames(['default']);
    c.start();
    expect(c.awaiting()).toEqual(['default']);
    await timedOut;
    expect(c.awaiting()).toEqual([]);
    expect(c.current().size).toBe(0);
  });
});

describe('SdsClient (DeltaSecrets)', () => {
  it('subscribes and unsubscribes incrementally, applies removals, and resumes with initial_resource_versions after a reconnect', async () => {
    const s = await server('delta.sock');
    const c = client(s.socketPath, 'DELTA_GRPC');
    c.setNames(['default', 'ROOTCA']);
    c.start();
    await s.until(() => s.delta.length >= 1);
    expect([...(s.delta[0]?.resource_names_subscribe ?? [])].sort()).toEqual(['ROOTCA', 'default']);
    const n1 = s.sendDelta([
      { version: 'r1', secret: rootSecret('ROOTCA', 'CA-1') },
      { version: 'd1', secret: rootSecret('default', 'CA-d') },
    ]);
    await s.until(() => s.delta.some((r) => r.response_nonce === n1));
    expect(c.current().size).toBe(2);
    c.setNames(['ROOTCA']);
    await s.until(() => s.delta.some((r) => r.resource_names_unsubscribe.includes('default')));
    const n2 = s.sendDelta([], ['ROOTCA']);
    await s.until(() => s.delta.some((r) => r.response_nonce === n2));
    expect(c.current().size).toBe(0);
    const n3 = s.sendDelta([{ version: 'r2', secret: rootSecret('ROOTCA', 'CA-2') }]);
    await s.until(() => s.delta.some((r) => r.response_nonce === n3));

    // the server goes away and comes back: the client reconnects and says what it has
    const before = s.delta.length;
    await s.stop();
    await s.start();
    await s.until(() => s.delta.length > before, 5000);
    const resume = s.delta[before];
    expect(resume?.resource_names_subscribe).toEqual(['ROOTCA']);
    expect(resume?.initial_resource_versions).toEqual({ ROOTCA: 'r2' });
    expect(resume?.response_nonce).toBe('');
    expect(caOf(c, 'ROOTCA')).toBe('CA-2'); // kept across the reconnect
  });
});

const sdsConfig = (name: string, cluster: string, extra: EnvoyJson = {}) => ({
  name,
  sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: cluster } }] }, resource_api_version: 'V3', ...extra },
});
const upstream = (name: string, common: EnvoyJson) => ({
  name,
  transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', common_tls_context: common } },
});
const pipeCluster = (name: string, path: string) => ({ name, type: 'STATIC', load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path } } } }] }] } });

describe('SDS config sources', () => {
  it('groups names by api_config_source, skips ADS-served secrets and names unusable configs', () => {
    const refs = sdsSourceRefs(
      secretConfigs(
        [
          upstream('a', { tls_certificate_sds_secret_configs: [sdsConfig('default', 'sds-grpc', { initial_fetch_timeout: '0s' })], combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sdsConfig('ROOTCA', 'sds-grpc') } }),
          upstream('b', { tls_certificate_sds_secret_configs: [{ name: 'over-ads', sds_config: { ads: {} } }, sdsConfig('spire', 'spire-agent')] }),
          upstream('c', { tls_certificate_sds_secret_configs: [{ name: 'file', sds_config: { path_config_source: { path: '/x' } } }] }),
          upstream('d', { validation_context_sds_secret_config: { name: 'g', sds_config: { api_config_source: { api_type: 'GRPC', grpc_services: [{ google_grpc: { target_uri: 'unix:/run/sds', stat_prefix: 'x' } }] } } } }),
        ],
        [],
      ),
    );
    const bySource = [...refs.sources.values()].map((e) => ({ service: e.source.service, names: [...e.names].sort(), timeout: e.source.initialFetchTimeoutMs }));
    expect(bySource).toEqual([
      { service: { clusterName: 'sds-grpc' }, names: ['ROOTCA', 'default'], timeout: 0 },
      { service: { clusterName: 'spire-agent' }, names: ['spire'], timeout: 15_000 },
      { service: { targetUri: 'unix:/run/sds' }, names: ['g'], timeout: 15_000 },
    ]);
    expect(refs.errors).toEqual(['secret "file".sds_config: only ads and api_config_source are supported']);
  });

  it('resolves a static cluster to a unix or TCP channel target', () => {
    expect(clusterTarget(pipeCluster('sds-grpc', './var/run/secrets/workload-spiffe-uds/socket'))).toBe('unix:./var/run/secrets/workload-spiffe-uds/socket');
    const tcp = (address: string) => ({ load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: 15012 } } } }] }] } });
    expect(clusterTarget(tcp('10.0.0.1'))).toBe('10.0.0.1:15012');
    expect(clusterTarget(tcp('::1'))).toBe('[::1]:15012');
    expect(clusterTarget({ load_assignment: { endpoints: [] } })).toBeUndefined();
    expect(clusterTarget(undefined)).toBeUndefined();
  });

  it('opens one stream per source, merges their secrets, and keeps unresolvable names awaited', async () => {
    const a = await server('a.sock');
    const b = await server('b.sock');
    const sources = new SdsSecretSources({ node, validate, backoff: fast });
    cleanup.push(() => sources.dispose());
    let updates = 0;
    sources.on('update', () => updates++);
    const clusters = new Map<string, EnvoyJson>([
      ['sds-grpc', pipeCluster('sds-grpc', a.socketPath)],
      ['other-sds', pipeCluster('other-sds', b.socketPath)],
    ]);
    const refs = [
      upstream('x', { tls_certificate_sds_secret_configs: [sdsConfig('default', 'sds-grpc'), sdsConfig('ROOTCA', 'sds-grpc')] }),
      upstream('y', { tls_certificate_sds_secret_configs: [sdsConfig('other', 'other-sds'), sdsConfig('lost', 'no-such-cluster')] }),
    ];
    sources.update(clusters, [{ name: 'l', filter_chains: [{ transport_socket: refs[0]?.transport_socket }] }]);
    for (const r of refs) clusters.set(r.name, r);
    sources.update(clusters, []);
    await a.until(() => a.sotw.length >= 1);
    await b.until(() => b.sotw.length >= 1);
    expect(a.streams).toBe(1);
    expect([...(a.sotw.at(-1)?.resource_names ?? [])].sort()).toEqual(['ROOTCA', 'default']);
    expect(b.sotw.at(-1)?.resource_names).toEqual(['other']);
    a.sendSotw('1', [rootSecret('default', 'CA-d'), rootSecret('ROOTCA', 'CA-r')]);
    b.sendSotw('1', [rootSecret('other', 'CA-o')]);
    await a.until(() => sources.secrets().size === 3);
    expect([...sources.secrets().keys()].sort()).toEqual(['ROOTCA', 'default', 'other']);
    expect(sources.awaiting()).toEqual(['lost']);
    expect(updates).toBeGreaterThanOrEqual(2);
    expect(sources.status().map((s) => s.target).sort()).toEqual([undefined, `unix:${a.socketPath}`, `unix:${b.socketPath}`].sort());

    // the second source is no longer referenced: its stream closes and its secret goes
    clusters.delete('y');
    sources.update(clusters, []);
    await b.until(() => b.streams === 0);
    expect([...sources.secrets().keys()].sort()).toEqual(['ROOTCA', 'default']);
    expect(sources.awaiting()).toEqual([]);
  });
});
