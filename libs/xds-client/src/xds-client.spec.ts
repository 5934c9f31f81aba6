import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdsServer, lookupMessage, packAny, StaticProvider, TypeUrl, type AdsNackEvent, type AdsResponseEvent, type XdsSnapshot } from '@mesh/xds';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeResources } from './response-decoding.ts';
import { XdsClient, type XdsClientOptions } from './xds-client.ts';

const hcm = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const node = { id: 'sidecar~10.0.0.9~app-1.default~default.svc.cluster.local', cluster: 'app.default', user_agent_name: 'mesh-proxy', metadata: { NAMESPACE: 'default' } };

const cluster = (name: string) => ({ name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {} }, service_name: name } });
const cla = (name: string, port: number) => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }],
});
const listener = (name: string, port: number, routeName: string) => ({
  name,
  address: { socket_address: { address: '0.0.0.0', port_value: port } },
  filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': hcm, stat_prefix: name, rds: { route_config_name: routeName, config_source: { ads: {} } } } }] }],
});
const route = (name: string, clusterName: string) => ({ name, virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: clusterName } }] }] });

function meshProvider(): StaticProvider {
  return new StaticProvider()
    .set(TypeUrl.Cluster, { c1: cluster('c1'), c2: cluster('c2') })
    .set(TypeUrl.ClusterLoadAssignment, { c1: cla('c1', 9001), c2: cla('c2', 9002) })
    .set(TypeUrl.Listener, { l1: listener('l1', 8080, 'r1') })
    .set(TypeUrl.RouteConfiguration, { r1: route('r1', 'c1') });
}

/** Collects snapshots and resolves the first one (from now on) that matches. */
function snapshots(client: XdsClient): { all: XdsSnapshot[]; next(match?: (s: XdsSnapshot) => boolean, ms?: number): Promise<XdsSnapshot> } {
  const all: XdsSnapshot[] = [];
  let waiters: Array<{ match: (s: XdsSnapshot) => boolean; resolve: (s: XdsSnapshot) => void }> = [];
  client.on('snapshot', (s) => {
    all.push(s);
    const ready = waiters.filter((w) => w.match(s));
    waiters = waiters.filter((w) => !w.match(s));
    for (const w of ready) w.resolve(s);
  });
  return {
    all,
    next(match = () => true, ms = 8000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching snapshot in time')), ms);
        waiters.push({ match, resolve: (s) => (clearTimeout(timer), resolve(s)) });
      });
    },
  };
}

const modes = [
  { apiType: 'GRPC', transport: 'tcp' },
  { apiType: 'DELTA_GRPC', transport: 'tcp' },
  { apiType: 'GRPC', transport: 'unix' },
  { apiType: 'DELTA_GRPC', transport: 'unix' },
] as const;

describe.each(modes)('XdsClient ($apiType over $transport)', ({ apiType, transport }) => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(provider: StaticProvider, options: Partial<XdsClientOptions> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'xds-client-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    let server = new AdsServer({ provider });
    const address = transport === 'unix' ? `unix:${join(dir, 'xds.sock')}` : '127.0.0.1:0';
    const { port } = await server.listen(address);
    const target = transport === 'unix' ? address : `127.0.0.1:${port}`;
    cleanup.push(() => server.close());
    const client = new XdsClient({ target, node, apiType, setNodeOnFirstMessageOnly: true, backoff: { initialMs: 50, maxMs: 200 }, ...options });
    cleanup.push(() => client.dispose());
    const snaps = snapshots(client);
    const restart = async (next: StaticProvider): Promise<AdsServer> => {
      await server.close();
      server = new AdsServer({ provider: next });
      await server.listen(transport === 'unix' ? address : `127.0.0.1:${port}`);
      return server;
    };
    return { server: () => server, client, snaps, restart };
  }

  it('delivers a complete initial snapshot, then updates, removals and EDS-only pushes', async () => {
    const provider = meshProvider();
    const { server, client, snaps } = await setup(provider);
    client.start();
    const first = await snaps.next();
    expect([...first.clusters.keys()].sort()).toEqual(['c1', 'c2']);
    expect([...first.endpoints.keys()].sort()).toEqual(['c1', 'c2']);
    expect([...first.listeners.keys()]).toEqual(['l1']);
    expect(first.routes.get('r1')).toMatchObject({ name: 'r1', virtual_hosts: [{ routes: [{ route: { cluster: 'c1' } }] }] });
    expect(first.versions.get(TypeUrl.Cluster)).toBeTruthy();
    expect(snaps.all).toHaveLength(1); // nothing incomplete was emitted before
    expect(server().connections()[0]?.node).toMatchObject({ id: node.id, user_agent_name: 'mesh-proxy' });

    provider.set(TypeUrl.RouteConfiguration, { r1: route('r1', 'c2') });
    server().push();
    const updated = await snaps.next((s) => JSON.stringify(s.routes.get('r1')).includes('"c2"'));
    expect(updated.clusters.size).toBe(2);

    provider.remove(TypeUrl.Cluster, 'c2');
    server().push();
    const removed = await snaps.next((s) => !s.clusters.has('c2'));
    expect([...removed.endpoints.keys()]).toEqual(['c1']); // EDS for the removed cluster is dropped too

    const cdsVersion = removed.versions.get(TypeUrl.Cluster);
    provider.update(TypeUrl.ClusterLoadAssignment, { c1: cla('c1', 9100) });
    server().push({ types: [TypeUrl.ClusterLoadAssignment] });
    const eds = await snaps.next((s) => JSON.stringify(s.endpoints.get('c1')).includes('9100'));
    expect(eds.versions.get(TypeUrl.Cluster)).toBe(cdsVersion);
  });

  it('NACKs an invalid update with the resource named, keeps the last good snapshot, and the server does not re-send', async () => {
    const provider = meshProvider();
    const validate = (s: XdsSnapshot): string[] => [...s.listeners.keys()].filter((n) => n.startsWith('bad')).map((n) => `Listener "${n}": name is reserved`);
    const { server, client, snaps } = await setup(provider, { validate });
    client.start();
    const good = await snaps.next();
    const nacked = new Promise<AdsNackEvent>((resolve) => server().once('nack', resolve));
    const responses: AdsResponseEvent[] = [];
    server().on('response', (e) => responses.push(e));
    provider.update(TypeUrl.Listener, { bad1: listener('bad1', 8081, 'r1') });
    server().push();
    const nack = await nacked;
    expect(nack.typeUrl).toBe(TypeUrl.Listener);
    expect(nack.message).toContain('Listener "bad1": name is reserved');
    expect(client.current()).toBe(good);
    expect(client.status().find((t) => t.typeUrl === TypeUrl.Listener)?.lastNack?.message).toContain('bad1');
    await expect.poll(() => server().connections()[0]?.types.find((t) => t.typeUrl === TypeUrl.Listener)?.lastNack?.message).toContain('bad1');
    const before = responses.length;
    server().push();
    await new Promise((r) => setTimeout(r, 300));
    expect(responses.length).toBe(before);
    // A later good update is accepted again.
    provider.remove(TypeUrl.Listener, 'bad1').update(TypeUrl.Listener, { l2: listener('l2', 8082, 'r1') });
    server().push();
    const recovered = await snaps.next((s) => s.listeners.has('l2'));
    expect(recovered.listeners.has('bad1')).toBe(false);
  });

  it('reconnects after a server restart and re-subscribes', async () => {
    const provider = meshProvider();
    const { client, snaps, restart } = await setup(provider);
    client.start();
    await snaps.next();
    const disconnected = new Promise((resolve) => client.once('disconnected', resolve));
    const next = meshProvider().update(TypeUrl.ClusterLoadAssignment, { c2: cla('c2', 9999) });
    const restarted = restart(next);
    await disconnected;
    const server = await restarted;
    const responses: AdsResponseEvent[] = [];
    server.on('response', (e) => responses.push(e));
    const resumed = await snaps.next((s) => JSON.stringify(s.endpoints.get('c2')).includes('9999'));
    expect(resumed.clusters.size).toBe(2);
    expect(server.connections()).toHaveLength(1);
    if (apiType === 'DELTA_GRPC') {
      // initial_resource_versions: only the changed endpoint is sent again.
      const eds = responses.filter((r) => r.typeUrl === TypeUrl.ClusterLoadAssignment);
      expect(eds.reduce((n, r) => n + r.resources, 0)).toBe(1);
      expect(responses.find((r) => r.typeUrl === TypeUrl.Cluster)?.resources).toBe(0);
    }
  });

  it('subscribes to SDS secrets referenced by listeners and waits for them', async () => {
    const secret = { name: 'kubernetes://gw-cert', tls_certificate: { certificate_chain: { inline_string: 'CERT' }, private_key: { inline_string: 'KEY' } } };
    const tlsListener = {
      ...listener('gw', 8443, 'r1'),
      filter_chains: [
        {
          ...listener('gw', 8443, 'r1').filter_chains[0],
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
              common_tls_context: { tls_certificate_sds_secret_configs: [{ name: secret.name, sds_config: { ads: {} } }] },
            },
          },
        },
      ],
    };
    const provider = meshProvider().set(TypeUrl.Listener, { gw: tlsListener }).set(TypeUrl.Secret, { [secret.name]: secret });
    const { client, snaps } = await setup(provider);
    client.start();
    const snap = await snaps.next();
    expect(snap.secrets.get(secret.name)).toEqual(secret);
    expect(client.status().find((t) => t.typeUrl === TypeUrl.Secret)?.names).toEqual([secret.name]);
  });

  it('emits without a missing endpoint once the initial fetch times out', async () => {
    const provider = meshProvider().set(TypeUrl.Cluster, { c1: cluster('c1'), ghost: cluster('ghost') });
    const { client, snaps } = await setup(provider, { initialFetchTimeoutMs: 400 });
    const started = Date.now();
    client.start();
    const snap = await snaps.next();
    expect(snap.clusters.has('ghost')).toBe(true);
    expect(snap.endpoints.has('ghost')).toBe(false);
    expect(snap.endpoints.has('c1')).toBe(true);
    if (apiType === 'GRPC') expect(Date.now() - started).toBeGreaterThanOrEqual(350); // SotW cannot say "absent"
  });
});

describe('decodeResources', () => {
  it('names the resource and field of a decoding error', () => {
    const good = packAny({ '@type': TypeUrl.Cluster, name: 'ok' });
    const garbage = { type_url: TypeUrl.Cluster, value: Uint8Array.from([0x0a, 0x02, 0x68, 0x69, 0x2a, 0xff]) };
    const wrongType = packAny({ '@type': TypeUrl.Listener, name: 'l' });
    const unnamed = packAny({ '@type': TypeUrl.Cluster, connect_timeout: '1s' });
    // Valid protobuf whose nested Any has a type the proxy does not know: the error names resource and field.
    const unknownAny = {
      type_url: TypeUrl.Cluster,
      value: lookupMessage(TypeUrl.Cluster).encode({ name: 'c9', transport_socket: { name: 't', typed_config: { type_url: 'type.googleapis.com/x.Unknown', value: new Uint8Array() } } }).finish(),
    };
    const result = decodeResources(TypeUrl.Cluster, [{ any: good }, { any: garbage }, { any: wrongType }, { any: unnamed }, { any: good }, { any: unknownAny }], 'v1');
    expect([...result.resources.keys()]).toEqual(['ok']);
    expect(result.errors).toEqual([
      expect.stringMatching(/^CDS resource #1: cannot decode envoy.config.cluster.v3.Cluster: /),
      `CDS resource #2: type ${TypeUrl.Listener} in a response for ${TypeUrl.Cluster}`,
      'CDS resource #3: name: must not be empty',
      'CDS resource "ok": duplicate resource in one response',
      'CDS resource "c9": transport_socket.typed_config.@type: unknown type "type.googleapis.com/x.Unknown"',
    ]);
  });
});
