import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { markImmutable } from './ads-connection.ts';
import { AdsServer } from './ads-server.ts';
import type { AdsNackEvent } from './ads-types.ts';
import { unpackAny } from './codec.ts';
import type { DeltaDiscoveryResponse, DiscoveryResponse } from './discovery-wire.ts';
import { deltaStream, sotwStream } from './raw-ads.test.ts';
import { StaticProvider } from './static-provider.ts';
import { TypeUrl } from './type-urls.ts';

const node = { id: 'sidecar~10.0.0.1~app-1.default~default.svc.cluster.local', cluster: 'app.default', metadata: { NAMESPACE: 'default' } };

const cluster = (name: string, timeout = '1s') => ({ name, type: 'EDS', connect_timeout: timeout, eds_cluster_config: { eds_config: { ads: {} }, service_name: name } });
const cla = (name: string, port: number) => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }],
});
const listener = (name: string, port: number) => ({ name, address: { socket_address: { address: '0.0.0.0', port_value: port } } });
const route = (name: string) => ({ name, virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c1' } }] }] });

function names(response: DiscoveryResponse): string[] {
  return response.resources.map((r) => String(unpackAny(r)['name'] ?? unpackAny(r)['cluster_name'])).sort();
}

function deltaNames(response: DeltaDiscoveryResponse): string[] {
  return response.resources.map((r) => r.name).sort();
}

describe('AdsServer', () => {
  let provider: StaticProvider;
  let server: AdsServer;
  let target: string;
  const streams: Array<{ close(): void }> = [];
  const track = <T extends { close(): void }>(s: T): T => (streams.push(s), s);

  beforeEach(async () => {
    provider = new StaticProvider()
      .set(TypeUrl.Cluster, { c1: cluster('c1'), c2: cluster('c2') })
      .set(TypeUrl.ClusterLoadAssignment, { c1: cla('c1', 9001), c2: cla('c2', 9002) })
      .set(TypeUrl.Listener, { l1: listener('l1', 8080) })
      .set(TypeUrl.RouteConfiguration, { r1: route('r1') });
    server = new AdsServer({ provider, controlPlaneId: '{"Component":"istiod"}' });
    const { port } = await server.listen('127.0.0.1:0');
    target = `127.0.0.1:${port}`;
  });

  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await server.close();
  });

  describe('SotW', () => {
    it('answers wildcard CDS with the full set, records the ACK and pushes only changes', async () => {
      const s = track(sotwStream(target));
      s.send({ node, type_url: TypeUrl.Cluster });
      const first = await s.next();
      expect(first.type_url).toBe(TypeUrl.Cluster);
      expect(names(first)).toEqual(['c1', 'c2']);
      expect(first.version_info).toMatch(/^\d{4}-\d\d-\d\dT.*\/\d+$/);
      expect(first.nonce.startsWith(first.version_info)).toBe(true);
      expect(first.control_plane?.identifier).toBe('{"Component":"istiod"}');
      const acked = new Promise((resolve) => server.once('ack', resolve));
      s.send({ type_url: TypeUrl.Cluster, version_info: first.version_info, response_nonce: first.nonce });
      await acked;
      const status = server.connections()[0];
      expect(status?.nodeId).toBe(node.id);
      expect(status?.id).toMatch(new RegExp(`^${node.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`));
      expect(status?.types[0]).toMatchObject({ typeUrl: TypeUrl.Cluster, wildcard: true, ackedNonce: first.nonce, ackedVersion: first.version_info, resourceCount: 2 });

      server.push(); // nothing changed
      await s.none();
      server.push({ force: true }); // istiod's forced push re-sends anyway
      expect(names(await s.next())).toEqual(['c1', 'c2']);

      provider.update(TypeUrl.Cluster, { c2: cluster('c2', '2s') });
      server.push();
      const second = await s.next();
      expect(names(second)).toEqual(['c1', 'c2']); // CDS always carries the full set
      expect(second.version_info).not.toBe(first.version_info);

      provider.remove(TypeUrl.Cluster, 'c1');
      server.push();
      await server.idle();
      expect(server.connections()[0]?.types[0]?.resourceCount).toBe(1);
      expect(names(await s.next())).toEqual(['c2']);
    });

    it('EDS sends the subscribed names; a gained name triggers a response; a stale nonce is ignored', async () => {
      const s = track(sotwStream(target));
      s.send({ node, type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c1'] });
      const first = await s.next();
      expect(names(first)).toEqual(['c1']);
      s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c1', 'c2'], response_nonce: first.nonce, version_info: first.version_info });
      const second = await s.next();
      expect(names(second)).toEqual(['c1', 'c2']);
      // A request that still carries the first nonce is stale: no response, subscription unchanged.
      s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c1', 'c2', 'c3'], response_nonce: first.nonce });
      await s.none();
      expect(server.connections()[0]?.types[0]?.names).toEqual(['c1', 'c2']);
      // An ACK that drops a name needs no response.
      s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c2'], response_nonce: second.nonce, version_info: second.version_info });
      await s.none();
      provider.update(TypeUrl.ClusterLoadAssignment, { c1: cla('c1', 9100) }); // c1 is no longer subscribed
      server.push({ types: [TypeUrl.ClusterLoadAssignment] });
      await s.none();
      provider.update(TypeUrl.ClusterLoadAssignment, { c2: cla('c2', 9200) });
      server.push({ types: [TypeUrl.ClusterLoadAssignment] });
      const third = await s.next();
      expect(names(third)).toEqual(['c2']);
    });

    it('records a NACK per connection and type, and does not re-send the rejected version', async () => {
      const s = track(sotwStream(target));
      s.send({ node, type_url: TypeUrl.Listener });
      const first = await s.next();
      const nacked = new Promise<AdsNackEvent>((resolve) => server.once('nack', resolve));
      s.send({ type_url: TypeUrl.Listener, response_nonce: first.nonce, error_detail: { code: 3, message: 'l1: bad listener' } });
      const event = await nacked;
      expect(event).toMatchObject({ typeUrl: TypeUrl.Listener, nonce: first.nonce, version: first.version_info, message: 'l1: bad listener', code: 3 });
      expect(event.connection.nodeId).toBe(node.id);
      await s.none();
      const status = server.connections()[0]?.types.find((t) => t.typeUrl === TypeUrl.Listener);
      expect(status?.lastNack).toMatchObject({ message: 'l1: bad listener', nonce: first.nonce });
      expect(status?.ackedNonce).toBeUndefined();
      server.push();
      await s.none();
      provider.set(TypeUrl.Listener, { l1: listener('l1', 8081) });
      server.push();
      expect(names(await s.next())).toEqual(['l1']);
    });

    it('pushes in the order CDS, EDS, LDS, RDS and honours the type filter', async () => {
      const s = track(sotwStream(target));
      const subscribe: Array<[string, string[]]> = [
        [TypeUrl.RouteConfiguration, ['r1']],
        [TypeUrl.Listener, []],
        [TypeUrl.ClusterLoadAssignment, ['c1', 'c2']],
        [TypeUrl.Cluster, []],
      ];
      for (const [type_url, resource_names] of subscribe) {
        s.send({ node, type_url, resource_names });
        await s.next();
      }
      provider
        .set(TypeUrl.RouteConfiguration, { r1: { ...route('r1'), validate_clusters: true } })
        .set(TypeUrl.Listener, { l1: listener('l1', 9999) })
        .set(TypeUrl.ClusterLoadAssignment, { c1: cla('c1', 1), c2: cla('c2', 2) })
        .set(TypeUrl.Cluster, { c1: cluster('c1', '3s') });
      server.push();
      const order = [await s.next(), await s.next(), await s.next(), await s.next()].map((r) => r.type_url);
      expect(order).toEqual([TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration]);
      provider.set(TypeUrl.Listener, { l1: listener('l1', 7777) }).set(TypeUrl.Cluster, { c1: cluster('c1', '4s') });
      server.push({ types: [TypeUrl.Listener] });
      expect((await s.next()).type_url).toBe(TypeUrl.Listener);
      expect((await s.next()).type_url).toBe(TypeUrl.RouteConfiguration); // re-sent after LDS, unchanged
      await s.none(); // CDS changed too, but was not in the filter
    });

    it('re-sends EDS after a CDS change even when endpoints did not change (Envoy waits for it while warming)', async () => {
      const s = track(sotwStream(target));
      s.send({ node, type_url: TypeUrl.Cluster });
      const cds = await s.next();
      s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c1', 'c2'] });
      const eds = await s.next();
      s.send({ type_url: TypeUrl.Cluster, response_nonce: cds.nonce, version_info: cds.version_info });
      s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c1', 'c2'], response_nonce: eds.nonce, version_info: eds.version_info });
      await s.none(100);
      provider.update(TypeUrl.Cluster, { c1: cluster('c1', '7s') });
      server.push({ types: [TypeUrl.Cluster] });
      expect((await s.next()).type_url).toBe(TypeUrl.Cluster);
      const again = await s.next();
      expect(again.type_url).toBe(TypeUrl.ClusterLoadAssignment);
      expect(names(again)).toEqual(['c1', 'c2']);
    });

    it('answers an unknown type URL with an empty response and survives a malformed request', async () => {
      const s = track(sotwStream(target));
      s.send({ node, type_url: 'type.googleapis.com/istio.networking.nds.v1.NameTable' });
      const empty = await s.next();
      expect(empty.resources).toEqual([]);
      expect(empty.type_url).toBe('type.googleapis.com/istio.networking.nds.v1.NameTable');
      s.sendRaw(Uint8Array.from([0x0a, 0xff, 0xff]));
      await expect.poll(() => s.ended?.code).toBe(3); // INVALID_ARGUMENT
      const again = track(sotwStream(target));
      again.send({ node, type_url: TypeUrl.Cluster });
      expect(names(await again.next())).toEqual(['c1', 'c2']);
    });

    it('answers a type the provider rejects with an empty response', async () => {
      const throwing = new AdsServer({
        provider: {
          generate: (_conn, typeUrl) => {
            throw new Error(`no generator for ${typeUrl}`);
          },
        },
      });
      const { port } = await throwing.listen('127.0.0.1:0');
      const s = sotwStream(`127.0.0.1:${port}`);
      try {
        s.send({ node, type_url: 'type.googleapis.com/istio.mesh.v1alpha1.ProxyConfig' });
        expect((await s.next()).resources).toEqual([]);
        s.send({ type_url: TypeUrl.Cluster }); // a known type whose generation fails gets no (empty) answer
        await s.none();
      } finally {
        s.close();
        await throwing.close();
      }
    });

    it('emits connect and disconnect', async () => {
      const connected = new Promise((resolve) => server.once('connect', resolve));
      const s = sotwStream(target);
      s.send({ node, type_url: TypeUrl.Cluster });
      await expect(connected).resolves.toMatchObject({ nodeId: node.id, mode: 'SotW' });
      const disconnected = new Promise((resolve) => server.once('disconnect', resolve));
      s.close();
      await expect(disconnected).resolves.toMatchObject({ nodeId: node.id });
      expect(server.connections()).toEqual([]);
    });
  });

  describe('Delta', () => {
    it('sends wildcard CDS, then only changed resources and removed_resources', async () => {
      const s = track(deltaStream(target));
      s.send({ node, type_url: TypeUrl.Cluster });
      const first = await s.next();
      expect(deltaNames(first)).toEqual(['c1', 'c2']);
      expect(first.removed_resources).toEqual([]);
      expect(first.resources[0]?.version).toMatch(/^[\w-]{16}$/);
      s.send({ type_url: TypeUrl.Cluster, response_nonce: first.nonce });
      await expect.poll(() => server.connections()[0]?.types[0]?.ackedNonce).toBe(first.nonce);

      provider.update(TypeUrl.Cluster, { c2: cluster('c2', '5s') });
      server.push();
      const second = await s.next();
      expect(deltaNames(second)).toEqual(['c2']);
      expect(unpackAny(second.resources[0]!.resource!)).toMatchObject({ name: 'c2', connect_timeout: '5s' });

      provider.remove(TypeUrl.Cluster, 'c1');
      server.push();
      const third = await s.next();
      expect(third.resources).toEqual([]);
      expect(third.removed_resources).toEqual(['c1']);
      server.push();
      await s.none();
    });

    it('honours initial_resource_versions: unchanged resources are not re-sent, vanished ones are removed', async () => {
      const s1 = track(deltaStream(target));
      s1.send({ node, type_url: TypeUrl.Cluster });
      const first = await s1.next();
      const versions = Object.fromEntries(first.resources.map((r) => [r.name, r.version]));
      s1.close();
      provider.update(TypeUrl.Cluster, { c2: cluster('c2', '9s') });
      const s2 = track(deltaStream(target));
      s2.send({ node, type_url: TypeUrl.Cluster, initial_resource_versions: { ...versions, gone: 'v0' } });
      const resumed = await s2.next();
      expect(deltaNames(resumed)).toEqual(['c2']);
      expect(resumed.removed_resources).toEqual(['gone']);
    });

    it('subscribes and unsubscribes EDS names; a missing name is reported removed', async () => {
      const s = track(deltaStream(target));
      s.send({ node, type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: ['c1', 'nope'] });
      const first = await s.next();
      expect(deltaNames(first)).toEqual(['c1']);
      expect(first.removed_resources).toEqual(['nope']);
      s.send({ type_url: TypeUrl.ClusterLoadAssignment, response_nonce: first.nonce, resource_names_subscribe: ['c2'] });
      expect(deltaNames(await s.next())).toEqual(['c2']);
      s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names_unsubscribe: ['c1'] });
      await s.none();
      provider.update(TypeUrl.ClusterLoadAssignment, { c1: cla('c1', 1234), c2: cla('c2', 4321) });
      server.push({ types: [TypeUrl.ClusterLoadAssignment] });
      const update = await s.next();
      expect(deltaNames(update)).toEqual(['c2']);
      expect(update.removed_resources).toEqual([]);
    });

    it('re-sends subscribed endpoints after a cluster change', async () => {
      const s = track(deltaStream(target));
      s.send({ node, type_url: TypeUrl.Cluster });
      await s.next();
      s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: ['c1', 'c2'] });
      await s.next();
      provider.update(TypeUrl.Cluster, { c2: cluster('c2', '8s') });
      server.push();
      expect(deltaNames(await s.next())).toEqual(['c2']);
      const eds = await s.next();
      expect(eds.type_url).toBe(TypeUrl.ClusterLoadAssignment);
      expect(deltaNames(eds)).toEqual(['c1', 'c2']);
      await s.none();
    });

    it('records a NACK and does not re-send', async () => {
      const s = track(deltaStream(target));
      s.send({ node, type_url: TypeUrl.Listener });
      const first = await s.next();
      const nacked = new Promise<AdsNackEvent>((resolve) => server.once('nack', resolve));
      s.send({ type_url: TypeUrl.Listener, response_nonce: first.nonce, error_detail: { code: 3, message: 'nope' } });
      expect((await nacked).message).toBe('nope');
      server.push();
      await s.none();
      expect(server.connections()[0]?.types[0]?.lastNack?.message).toBe('nope');
    });
  });
});

describe('AdsServer on a unix socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ads-'));
  const path = join(dir, 'xds.sock');
  const provider = new StaticProvider().set(TypeUrl.Cluster, { c1: cluster('c1') });
  const server = new AdsServer({ provider });

  beforeAll(async () => {
    await server.listen(`unix:${path}`);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves SotW and Delta', async () => {
    const sotw = sotwStream(`unix:${path}`);
    const delta = deltaStream(`unix:${path}`);
    try {
      sotw.send({ node, type_url: TypeUrl.Cluster });
      delta.send({ node, type_url: TypeUrl.Cluster });
      expect(names(await sotw.next())).toEqual(['c1']);
      expect(deltaNames(await delta.next())).toEqual(['c1']);
      expect(server.connections().map((c) => c.mode).sort()).toEqual(['Delta', 'SotW']);
    } finally {
      sotw.close();
      delta.close();
    }
  });
});

describe('AdsServer with immutable shared resource maps', () => {
  it('sends every stream the same encoded set, then only what changed, and unsubscribes one stream without touching the other', async () => {
    let endpoints = markImmutable(new Map([['c1', cla('c1', 9001)], ['c2', cla('c2', 9002)]]));
    const provider = {
      generate: (_c: unknown, typeUrl: string, names: readonly string[]) => {
        if (typeUrl !== TypeUrl.ClusterLoadAssignment) return new Map();
        // Like istiod: the shared map itself when the subscription covers it, else a per-stream pick.
        if ([...endpoints.keys()].every((n) => names.includes(n))) return endpoints;
        return new Map(names.flatMap((n) => (endpoints.has(n) ? [[n, endpoints.get(n) ?? {}] as const] : [])));
      },
    };
    const server = new AdsServer({ provider });
    const { port } = await server.listen('127.0.0.1:0');
    const a = sotwStream(`127.0.0.1:${port}`);
    const b = sotwStream(`127.0.0.1:${port}`);
    try {
      for (const s of [a, b]) s.send({ node, type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c1', 'c2'] });
      const [ra, rb] = [await a.next(), await b.next()];
      expect(names(ra)).toEqual(['c1', 'c2']);
      expect(ra.resources.map((r) => Buffer.from(r.value).toString('hex'))).toEqual(rb.resources.map((r) => Buffer.from(r.value).toString('hex')));
      let acked = 0;
      const acks = new Promise<void>((resolve) => server.on('ack', () => ++acked === 2 && resolve()));
      for (const [s, r] of [[a, ra], [b, rb]] as const) s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c1', 'c2'], version_info: r.version_info, response_nonce: r.nonce });
      await acks;

      server.push(); // same map: nothing to send
      await a.none();
      await b.none();

      // Stream a drops c2; b keeps both and must still see c2's later change.
      const narrowed = new Promise((resolve) => server.once('ack', resolve));
      a.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['c1'], version_info: ra.version_info, response_nonce: ra.nonce });
      await narrowed;
      endpoints = markImmutable(new Map([['c1', cla('c1', 9001)], ['c2', cla('c2', 9003)]]));
      server.push();
      const nb = await b.next();
      expect(names(nb)).toEqual(['c1', 'c2']);
      expect(JSON.stringify(nb.resources.map((r) => unpackAny(r)))).toContain('9003');
      await a.none(); // c1 unchanged for a
    } finally {
      a.close();
      b.close();
      await server.close();
    }
  });
});
