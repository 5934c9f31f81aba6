// DiscoveryService end to end on loopback: a file config source, the real ADS server and two SotW clients in the
// same namespace (one outbound group). After a VirtualService change only RDS is re-sent; after a Service change
// CDS, EDS and LDS are; grouped sidecars get their own inbound parts and the shared outbound part.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, makeGenericClientConstructor, type ClientDuplexStream } from '@grpc/grpc-js';
import { FileSource } from '@mesh/kube';
import { createLogger } from '@mesh/telemetry';
import { waitFor } from '@mesh/testing';
import { adsServiceDefinition, decode, decodeDiscoveryResponse, encodeDiscoveryRequest, TypeUrl, type DiscoveryResponse, type EnvoyJson } from '@mesh/xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryService } from './discovery.ts';
import { createPilotMetrics } from './metrics.ts';

const dir = mkdtempSync(join(tmpdir(), 'pilot-discovery-'));

function service(name: string, ip: string, ports: Array<{ port: number; name: string }>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: ip, ports, selector: { app: name } } });
}
function pod(name: string, app: string, ip: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app } }, status: { phase: 'Running', podIP: ip } });
}
function virtualService(timeout: string): string {
  return JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'api', namespace: 'default' },
    spec: { hosts: ['api'], http: [{ route: [{ destination: { host: 'api' } }], timeout }] },
  });
}

/** A minimal Envoy-like SotW client: ACKs everything, follows CDS → EDS and LDS → RDS names, records responses. */
class SotwClient {
  readonly responses: Array<{ type: string; resources: EnvoyJson[] }> = [];
  private readonly stream: ClientDuplexStream<Uint8Array, Buffer>;
  private readonly close: () => void;
  private readonly node: EnvoyJson;
  private readonly subscribed = new Map<string, string>();

  constructor(port: number, podName: string, ip: string) {
    const Client = makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    this.close = () => client.close();
    this.node = { id: `sidecar~${ip}~${podName}.default~default.svc.cluster.local`, metadata: { NAMESPACE: 'default', LABELS: { app: podName.split('-')[0] ?? '' } } };
    const call = client.makeBidiStreamRequest(
      adsServiceDefinition.StreamAggregatedResources.path,
      (m: Uint8Array) => Buffer.from(m),
      (b: Buffer) => b,
    ) as ClientDuplexStream<Uint8Array, Buffer>;
    this.stream = call;
    call.on('data', (bytes: Buffer) => this.onResponse(decodeDiscoveryResponse(bytes)));
    call.on('error', () => undefined);
    this.send(TypeUrl.Cluster, [], '', '');
    this.send(TypeUrl.Listener, [], '', '');
  }

  count(type: string): number {
    return this.responses.filter((r) => r.type === type).length;
  }

  last(type: string): EnvoyJson[] {
    return this.responses.filter((r) => r.type === type).at(-1)?.resources ?? [];
  }

  end(): void {
    this.stream.end();
    this.close();
  }

  private send(type: string, names: string[], version: string, nonce: string): void {
    this.stream.write(encodeDiscoveryRequest({ version_info: version, node: this.node, resource_names: names, type_url: type, response_nonce: nonce }));
  }

  private onResponse(res: DiscoveryResponse): void {
    const resources = res.resources.map((r) => decode(res.type_url, r.value));
    this.responses.push({ type: res.type_url, resources });
    this.send(res.type_url, res.type_url === TypeUrl.Cluster || res.type_url === TypeUrl.Listener ? [] : this.names(res.type_url), res.version_info, res.nonce);
    const dependent = res.type_url === TypeUrl.Cluster ? TypeUrl.ClusterLoadAssignment : res.type_url === TypeUrl.Listener ? TypeUrl.RouteConfiguration : undefined;
    if (dependent === undefined) return;
    const names =
      dependent === TypeUrl.ClusterLoadAssignment
        ? resources.filter((c) => c['type'] === 'EDS').map((c) => String(c['name']))
        : resources.flatMap((l) => JSON.stringify(l).match(/"route_config_name":"[^"]+"/g) ?? []).map((m) => m.slice('"route_config_name":"'.length, -1));
    const key = [...new Set(names)].sort().join(',');
    if (this.subscribed.get(dependent) === key) return;
    this.subscribed.set(dependent, key);
    this.send(dependent, [...new Set(names)].sort(), '', '');
  }

  private names(type: string): string[] {
    return (this.subscribed.get(type) ?? '').split(',').filter(Boolean);
  }
}

let discovery: DiscoveryService;
let clients: SotwClient[] = [];

beforeAll(async () => {
  writeFileSync(join(dir, 'services.yaml'), [service('api', '10.96.0.10', [{ port: 8080, name: 'http' }]), service('web', '10.96.0.11', [{ port: 80, name: 'http' }])].join('\n---\n'));
  writeFileSync(join(dir, 'pods.yaml'), [pod('api-1', 'api', '10.1.0.1'), pod('web-1', 'web', '10.1.0.2')].join('\n---\n'));
  writeFileSync(join(dir, 'vs.yaml'), virtualService('3s'));
  const logger = createLogger('discovery-test', 'silent');
  discovery = new DiscoveryService({ source: new FileSource({ dir, settleMs: 20, pollMs: 100 }), logger, metrics: createPilotMetrics(), quietMs: 30, maxMs: 500 });
  await discovery.start();
  const { port } = await discovery.ads.listen('127.0.0.1:0');
  clients = [new SotwClient(port, 'api-1', '10.1.0.1'), new SotwClient(port, 'web-1', '10.1.0.2')];
  await waitFor(() => clients.every((c) => c.count(TypeUrl.RouteConfiguration) > 0 && c.count(TypeUrl.ClusterLoadAssignment) > 0), 15_000);
});

afterAll(async () => {
  for (const c of clients) c.end();
  await discovery?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function settled(): Promise<void> {
  // The push is done when the debouncer fired and every connection's queue drained.
  await new Promise((r) => setTimeout(r, 150));
  await discovery.ads.idle();
}

describe('DiscoveryService pushes', () => {
  it('gives sidecars of one group their own inbound clusters and the same outbound clusters', () => {
    const [api, web] = clients.map((c) => c.last(TypeUrl.Cluster).map((r) => String(r['name'])));
    expect(api).toContain('inbound|8080||');
    expect(web).toContain('inbound|80||');
    expect(api).not.toContain('inbound|80||');
    const outbound = (names: string[] | undefined) => (names ?? []).filter((n) => n.startsWith('outbound|')).sort();
    expect(outbound(api)).toEqual(outbound(web));
    expect(outbound(api)).toContain('outbound|8080||api.default.svc.cluster.local');
  });

  it('re-sends only RDS after a VirtualService change', async () => {
    const before = clients.map((c) => ({ cds: c.count(TypeUrl.Cluster), eds: c.count(TypeUrl.ClusterLoadAssignment), lds: c.count(TypeUrl.Listener), rds: c.count(TypeUrl.RouteConfiguration) }));
    writeFileSync(join(dir, 'vs.yaml'), virtualService('7s'));
    await waitFor(() => clients.every((c, i) => c.count(TypeUrl.RouteConfiguration) > (before[i]?.rds ?? 0)), 15_000);
    await settled();
    for (const [i, c] of clients.entries()) {
      expect(JSON.stringify(c.last(TypeUrl.RouteConfiguration))).toContain('"timeout":"7s"');
      expect(c.count(TypeUrl.Cluster)).toBe(before[i]?.cds);
      expect(c.count(TypeUrl.ClusterLoadAssignment)).toBe(before[i]?.eds);
      expect(c.count(TypeUrl.Listener)).toBe(before[i]?.lds);
    }
  });

  it('re-sends CDS, EDS and LDS after a Service change', async () => {
    const before = clients.map((c) => ({ cds: c.count(TypeUrl.Cluster), eds: c.count(TypeUrl.ClusterLoadAssignment), lds: c.count(TypeUrl.Listener) }));
    writeFileSync(
      join(dir, 'services.yaml'),
      [service('api', '10.96.0.10', [{ port: 8080, name: 'http' }]), service('web', '10.96.0.11', [{ port: 80, name: 'http' }]), service('db', '10.96.0.12', [{ port: 5432, name: 'tcp' }])].join('\n---\n'),
    );
    await waitFor(
      () => clients.every((c, i) => c.count(TypeUrl.Cluster) > (before[i]?.cds ?? 0) && c.count(TypeUrl.ClusterLoadAssignment) > (before[i]?.eds ?? 0) && c.count(TypeUrl.Listener) > (before[i]?.lds ?? 0)),
      15_000,
    );
    for (const c of clients) {
      expect(c.last(TypeUrl.Cluster).map((r) => r['name'])).toContain('outbound|5432||db.default.svc.cluster.local');
      expect(c.last(TypeUrl.Listener).map((r) => r['name'])).toContain('10.96.0.12_5432');
    }
  });
});
