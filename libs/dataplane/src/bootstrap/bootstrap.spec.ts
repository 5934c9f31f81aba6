// Unit: bootstrap loading — -c plus --config-yaml overlay, node overrides, admin, static snapshot, ADS settings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/json-reader.ts';
import { loadBootstrap, mergeBootstrap, mergeSnapshots } from './bootstrap.ts';

describe('bootstrap', () => {
  it('merges --config-yaml over -c: objects merge, lists concatenate, scalars replace', () => {
    expect(mergeBootstrap({ a: { b: 1, c: [1] }, d: 'x' }, { a: { c: [2], e: true }, d: 'y' })).toEqual({ a: { b: 1, c: [1, 2], e: true }, d: 'y' });
  });

  it('reads node, admin, static resources and ADS over a unix socket', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootstrap-'));
    try {
      const file = join(dir, 'envoy-rev.json');
      writeFileSync(
        file,
        JSON.stringify({
          node: { id: 'sidecar~10.0.0.1~p.ns~ns.svc.cluster.local', cluster: 'p.ns', metadata: { NAMESPACE: 'ns' } },
          admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
          dynamic_resources: { lds_config: { ads: {} }, cds_config: { ads: {} }, ads_config: { api_type: 'DELTA_GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] } },
          static_resources: { clusters: [{ name: 'xds-grpc', type: 'STATIC', load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: './etc/istio/proxy/XDS' } } } }] }] } }] },
        }),
      );
      const b = loadBootstrap({ configPath: file, configYaml: 'node: {cluster: overridden}', serviceNode: 'cli-node' });
      expect(b.node).toMatchObject({ id: 'cli-node', cluster: 'overridden', metadata: { NAMESPACE: 'ns' } });
      expect(b.admin).toEqual({ address: '127.0.0.1', port: 15000 });
      expect([...b.staticSnapshot.clusters.keys()]).toEqual(['xds-grpc']);
      expect(b.ads).toEqual({ apiType: 'DELTA_GRPC', clusterName: 'xds-grpc', target: { pipe: './etc/istio/proxy/XDS' }, cds: true, lds: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains what is wrong with a bad bootstrap', () => {
    expect(() => loadBootstrap({})).toThrow(ConfigError);
    expect(() => loadBootstrap({ configYaml: 'static_resources: {clusters: [{name: a}, {name: a}]}' })).toThrow('static_resources.clusters[1].name: duplicate cluster "a"');
    expect(() => loadBootstrap({ configYaml: 'dynamic_resources: {ads_config: {grpc_services: [{envoy_grpc: {cluster_name: nope}}]}}' })).toThrow('static cluster "nope" is not defined');
    expect(() => loadBootstrap({ configPath: '/nonexistent/envoy.yaml' })).toThrow('/nonexistent/envoy.yaml: cannot read');
  });

  it('static resources win over dynamic ones with the same name', () => {
    const s = mergeSnapshots(
      { listeners: new Map([['l', { name: 'l', static: true }]]), clusters: new Map(), routes: new Map(), endpoints: new Map(), secrets: new Map(), versions: new Map() },
      { listeners: new Map([['l', { name: 'l' }], ['m', { name: 'm' }]]), clusters: new Map(), routes: new Map(), endpoints: new Map(), secrets: new Map(), versions: new Map([['v', '1']]) },
    );
    expect(s.listeners.get('l')).toEqual({ name: 'l', static: true });
    expect([...s.listeners.keys()].sort()).toEqual(['l', 'm']);
    expect(s.versions.get('v')).toBe('1');
  });
});
