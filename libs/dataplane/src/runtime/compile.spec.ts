// Unit: compile/validate report every invalid resource with its name and field path; valid configs compile.
import { emptySnapshot, type EnvoyJson, type XdsSnapshot } from '@mesh/xds';
import { describe, expect, it } from 'vitest';
import { compile, validate } from './compile.ts';

function snap(parts: Partial<Record<'listeners' | 'clusters' | 'routes' | 'endpoints' | 'secrets', Record<string, EnvoyJson>>>): XdsSnapshot {
  const s = emptySnapshot();
  return {
    ...s,
    listeners: new Map(Object.entries(parts.listeners ?? {})),
    clusters: new Map(Object.entries(parts.clusters ?? {})),
    routes: new Map(Object.entries(parts.routes ?? {})),
    endpoints: new Map(Object.entries(parts.endpoints ?? {})),
    secrets: new Map(Object.entries(parts.secrets ?? {})),
  };
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const router = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

describe('compile', () => {
  it('accepts a complete config and reports dangling references as warnings', () => {
    const r = compile(
      snap({
        listeners: { l: { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 's', rds: { route_config_name: 'missing' }, http_filters: [router] } }] }] } },
        routes: { r: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'nope' } }] }] } },
      }),
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.config.warnings).toEqual(['Listener "l": route configuration "missing" is not known yet', 'RouteConfiguration "r": cluster "nope" is not known']);
  });

  it.each([
    [{ clusters: { c: { name: 'c', type: 'STATIC', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'example.com', port_value: 80 } } } }] }] } } } }, 'Cluster "c": load_assignment.endpoints[*].lb_endpoints[0].endpoint.address.socket_address.address: STATIC clusters need an IP address, got "example.com"'],
    [{ clusters: { c: { name: 'c', connect_timeout: '5 seconds' } } }, 'Cluster "c": connect_timeout: invalid duration "5 seconds" (expected e.g. "1.5s")'],
    [{ clusters: { c: { name: 'd' } } }, 'Cluster "c": name: "d" does not match the resource name "c"'],
    [{ clusters: { c: { name: 'c', outlier_detection: { max_ejection_percent: 150 } } } }, 'Cluster "c": outlier_detection.max_ejection_percent: must be at most 100'],
    [{ routes: { r: { name: 'r', virtual_hosts: [{ name: 'a', domains: ['x'] }, { name: 'b', domains: ['x'] }] } } }, 'RouteConfiguration "r": virtual_hosts[1].domains[0]: domain "x" is also used by virtual host "a"'],
    [{ routes: { r: { name: 'r', virtual_hosts: [{ name: 'a', domains: ['*'], routes: [{ match: {}, route: { cluster: 'c' } }] }] } } }, 'RouteConfiguration "r": virtual_hosts[0].routes[0].match: one of prefix, path, safe_regex, path_separated_prefix or connect_matcher is required'],
    [{ routes: { r: { name: 'r', virtual_hosts: [{ name: 'a', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'x', weight: 0 }] } } }] }] } } }, 'RouteConfiguration "r": virtual_hosts[0].routes[0].route.weighted_clusters.clusters: the sum of weights must be greater than 0'],
    [{ routes: { r: { name: 'r', virtual_hosts: [{ name: 'a', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', retry_policy: { retry_on: '5xx,sometimes' } } }] }] } } }, 'RouteConfiguration "r": virtual_hosts[0].routes[0].route.retry_policy.retry_on: unknown retry condition "sometimes"'],
    [{ listeners: { l: { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 's', route_config: { virtual_hosts: [] }, http_filters: [] } }] }] } } }, 'Listener "l": filter_chains[0].filters[0].typed_config.http_filters: the router filter (envoy.filters.http.router) is required'],
    [{ listeners: { l: { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy' } }] }] } } }, 'Listener "l": filter_chains[0].filters[0].typed_config: unsupported network filter "x" (type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy)'],
    [{ listeners: { l: { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, filter_chains: [{ filter_chain_match: { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 40 }] }, filters: [] }] } } }, 'Listener "l": filter_chains[0].filter_chain_match.prefix_ranges[0]: invalid CIDR 10.0.0.0/40'],
  ])('rejects %#', (parts, message) => {
    const r = validate(snap(parts as Parameters<typeof snap>[0]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContain(message);
  });

  it('reports every bad resource, not only the first', () => {
    const r = validate(snap({ clusters: { a: { name: 'a', lb_policy: 'X' }, b: { name: 'b', type: 'Y' } } }));
    expect(r.ok ? [] : r.errors).toHaveLength(2);
  });
});
