import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CodecError, checkJson, decode, encode, normalize, packAny, unpackAny } from './codec.ts';
import { protoLoadMillis, protoRoot } from './protos.ts';
import { TypeUrl } from './type-urls.ts';

const shared = '/work/shared/istio/xds';
const bootstrapType = 'envoy.config.bootstrap.v3.Bootstrap';

/** Names of every enum's zero value: proto3 JSON output omits them, so an input that spells one out loses it. */
function zeroEnumNames(): Set<string> {
  const names = new Set<string>();
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Enum) {
        const zero = nested.valuesById[0];
        if (zero !== undefined) names.add(zero);
      } else if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(protoRoot());
  return names;
}

/** Asserts `output` is `input` in canonical form: same values, 64-bit ints as strings, proto3 defaults dropped. */
function expectCanonicalOf(input: unknown, output: unknown, zeroEnums: Set<string>, path = ''): void {
  if (Array.isArray(input)) {
    expect(Array.isArray(output), path).toBe(true);
    const out = output as unknown[];
    expect(out.length, path).toBe(input.length);
    input.forEach((item, i) => expectCanonicalOf(item, out[i], zeroEnums, `${path}[${i}]`));
    return;
  }
  if (typeof input === 'object' && input !== null) {
    expect(typeof output, path).toBe('object');
    const out = output as Record<string, unknown>;
    for (const [key, value] of Object.entries(input)) {
      if (!(key in out)) {
        const isDefault =
          value === false || value === 0 || value === '' || value === '0' || (Array.isArray(value) && value.length === 0) || (typeof value === 'string' && zeroEnums.has(value));
        expect(isDefault, `${path}.${key} = ${JSON.stringify(value)} was dropped`).toBe(true);
      } else expectCanonicalOf(value, out[key], zeroEnums, `${path}.${key}`);
    }
    for (const key of Object.keys(out)) expect(key in input, `${path}.${key} appeared`).toBe(true);
    return;
  }
  const duration = /^-?\d+(\.\d+)?s$/;
  if (typeof input === 'number' && typeof output === 'string') expect(output, path).toBe(String(input));
  else if (typeof input === 'string' && typeof output === 'string' && duration.test(input)) expect(parseFloat(output), path).toBe(parseFloat(input));
  else expect(output, path).toEqual(input);
}

describe('proto loading', () => {
  it('loads the mesh protos once and caches the Root', () => {
    const first = protoRoot();
    expect(protoRoot()).toBe(first);
    expect(protoLoadMillis()).toBeGreaterThan(0);
    for (const name of [
      'envoy.config.cluster.v3.Cluster',
      'envoy.config.endpoint.v3.ClusterLoadAssignment',
      'envoy.config.listener.v3.Listener',
      'envoy.config.route.v3.RouteConfiguration',
      'envoy.config.bootstrap.v3.Bootstrap',
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      'envoy.extensions.filters.http.router.v3.Router',
      'envoy.extensions.filters.http.fault.v3.HTTPFault',
      'envoy.extensions.filters.http.cors.v3.Cors',
      'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
      'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
      'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
      'envoy.extensions.transport_sockets.tls.v3.Secret',
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      'envoy.service.discovery.v3.DiscoveryRequest',
      'envoy.service.discovery.v3.DeltaDiscoveryResponse',
      'envoy.service.status.v3.ClientConfig',
      'envoy.admin.v3.ConfigDump',
      'envoy.admin.v3.ClustersConfigDump',
      'envoy.type.matcher.v3.StringMatcher',
      'xds.type.matcher.v3.Matcher',
      'udpa.type.v1.TypedStruct',
      'google.rpc.Status',
    ]) {
      expect(() => first.lookupType(name), name).not.toThrow();
    }
    expect(first.lookupService('envoy.service.discovery.v3.AggregatedDiscoveryService').methods['DeltaAggregatedResources']).toBeDefined();
  });
});

describe('round trips of real configs', () => {
  const zeroEnums = zeroEnumNames();

  it('an istioctl config dump (every xDS type, nested Any) survives encode/decode unchanged', () => {
    const dump = JSON.parse(readFileSync(join(shared, 'samples/istioctl_pkg_proxyconfig_testdata_config_dump.json'), 'utf8')) as unknown;
    const bytes = encode('envoy.admin.v3.ConfigDump', dump);
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(decode('envoy.admin.v3.ConfigDump', bytes)).toEqual(dump);
  });

  const goldens = readdirSync(join(shared, 'bootstrap')).filter((f) => f.endsWith('_golden.json'));
  it.each(goldens)('istio bootstrap %s round-trips to its canonical form', (file) => {
    const bootstrap = JSON.parse(readFileSync(join(shared, 'bootstrap', file), 'utf8')) as Record<string, unknown>;
    // stats_eviction_interval is newer than the Envoy API bundled with @grpc/grpc-js-xds: strict mode names it,
    // and ignoreUnknownFields (Envoy's --ignore-unknown-fields) drops it.
    const unknown = 'stats_eviction_interval' in bootstrap;
    if (unknown) {
      expect(() => encode(bootstrapType, bootstrap)).toThrow(/^stats_eviction_interval: unknown field/);
    }
    const output = normalize(bootstrapType, bootstrap, { ignoreUnknownFields: unknown });
    const { stats_eviction_interval: _dropped, ...known } = bootstrap;
    expectCanonicalOf(known, output, zeroEnums);
    expect(normalize(bootstrapType, output)).toEqual(output);
  });

  it('the static config of Envoy docs (YAML) round-trips to its canonical form', () => {
    const config = parseYaml(readFileSync(new URL('../testdata/envoy-static-config.yaml', import.meta.url), 'utf8')) as unknown;
    const output = normalize(bootstrapType, config);
    expectCanonicalOf(config, output, zeroEnums);
    const listener = (output['static_resources'] as { listeners: Array<Record<string, unknown>> }).listeners[0];
    expect(listener?.['filter_chains']).toMatchObject([
      { filters: [{ typed_config: { '@type': expect.stringContaining('HttpConnectionManager'), stat_prefix: 'ingress_http' } }] },
    ]);
  });
});

describe('proto3 JSON mapping', () => {
  const cluster = TypeUrl.Cluster;

  it('accepts lowerCamelCase input and prints snake_case', () => {
    const out = normalize(cluster, { name: 'c', connectTimeout: '2s', perConnectionBufferLimitBytes: 10, edsClusterConfig: { serviceName: 's' } });
    expect(out).toEqual({ name: 'c', connect_timeout: '2s', per_connection_buffer_limit_bytes: 10, eds_cluster_config: { service_name: 's' } });
  });

  it('Duration and Timestamp use 0, 3, 6 or 9 fractional digits', () => {
    const d = (v: string): unknown => normalize(cluster, { connect_timeout: v })['connect_timeout'];
    expect([d('1s'), d('0.5s'), d('1.000100s'), d('0.000000001s'), d('-1.5s'), d('0s')]).toEqual(['1s', '0.500s', '1.000100s', '0.000000001s', '-1.500s', '0s']);
    expect(() => encode(cluster, { connect_timeout: 5 })).toThrow('connect_timeout: expected a duration string');
    expect(() => encode(cluster, { connect_timeout: '5m' })).toThrow(/connect_timeout: invalid duration "5m"/);
    const ts = decode('envoy.admin.v3.UpdateFailureState', encode('envoy.admin.v3.UpdateFailureState', { last_update_attempt: '2026-01-02T03:04:05.5+01:00' }));
    expect(ts).toEqual({ last_update_attempt: '2026-01-02T02:04:05.500Z' });
  });

  it('wrappers are plain values; 64-bit ints print as strings and accept numbers or strings', () => {
    const out = normalize(cluster, {
      per_connection_buffer_limit_bytes: 0, // UInt32Value: explicitly set zero is kept
      respect_dns_ttl: true,
      max_requests_per_connection: '7',
      common_lb_config: { healthy_panic_threshold: { value: 0.25 } },
    });
    expect(out).toEqual({ per_connection_buffer_limit_bytes: 0, respect_dns_ttl: true, max_requests_per_connection: 7, common_lb_config: { healthy_panic_threshold: { value: 0.25 } } });
    const stats = { stats_server_version_override: '18446744073709551615' };
    expect(normalize(bootstrapType, stats)).toEqual(stats);
    expect(normalize(bootstrapType, { stats_server_version_override: 42 })).toEqual({ stats_server_version_override: '42' });
    expect(() => encode(bootstrapType, { stats_server_version_override: '18446744073709551616' })).toThrow(/out of range for uint64/);
    expect(() => encode(bootstrapType, { stats_server_version_override: -1 })).toThrow(/out of range/);
  });

  it('Struct, Value (including null) and ListValue', () => {
    const meta = { filter_metadata: { istio: { a: 1.5, b: [null, 'x', { c: true }], d: {}, e: null } } };
    expect(normalize('envoy.config.core.v3.Metadata', meta)).toEqual(meta);
    expect(() => encode('envoy.config.core.v3.Metadata', { filter_metadata: { istio: 'x' } })).toThrow('filter_metadata["istio"]: expected a JSON object');
  });

  it('enums print as names and accept names or numbers; unknown names are errors', () => {
    expect(normalize(cluster, { type: 'STRICT_DNS', lb_policy: 5 })).toEqual({ type: 'STRICT_DNS', lb_policy: 'MAGLEV' });
    // a number the enum does not name (4 was removed from LbPolicy) stays a number, as proto3 JSON prescribes
    expect(normalize(cluster, { lb_policy: 4 })).toEqual({ lb_policy: 4 });
    expect(() => encode(cluster, { type: 'BOGUS' })).toThrow(/^type: unknown value "BOGUS" for enum envoy.config.cluster.v3.Cluster.DiscoveryType/);
  });

  it('bytes are base64 (standard or URL-safe in, standard out)', () => {
    const ds = 'envoy.config.core.v3.DataSource';
    expect(normalize(ds, { inline_bytes: '-_8=' })).toEqual({ inline_bytes: '+/8=' });
    expect(() => encode(ds, { inline_bytes: 'not base64!' })).toThrow('inline_bytes: invalid base64');
  });

  it('oneofs allow one member; a set member with a default value is kept', () => {
    const ds = 'envoy.config.core.v3.DataSource';
    expect(normalize(ds, { inline_string: '' })).toEqual({ inline_string: '' });
    expect(() => encode(ds, { inline_string: 'a', filename: 'b' })).toThrow(/^filename: only one of inline_string and filename may be set/);
  });

  it('maps keep their keys; Empty and FieldMask have their JSON forms', () => {
    const withOptions = { typed_extension_protocol_options: { a: { '@type': 'type.googleapis.com/google.protobuf.Empty' } } };
    expect(normalize(cluster, withOptions)).toEqual(withOptions);
    const fm = { '@type': 'type.googleapis.com/google.protobuf.FieldMask', value: 'fooBar,baz.quxQuux' };
    const packed = packAny(fm);
    expect(protoRoot().lookupType('google.protobuf.FieldMask').decode(packed.value).toJSON()).toEqual({ paths: ['foo_bar', 'baz.qux_quux'] });
    expect(unpackAny(packed)).toEqual(fm);
  });

  it('Any nests recursively, including Any of Any and of wrappers', () => {
    const inner = { '@type': TypeUrl.Listener, name: 'l', address: { socket_address: { address: '1.2.3.4', port_value: 80 } } };
    const anyOfAny = { '@type': 'type.googleapis.com/google.protobuf.Any', value: inner };
    expect(unpackAny(packAny(anyOfAny))).toEqual(anyOfAny);
    const wrapped = { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'hi' };
    expect(unpackAny(packAny(wrapped))).toEqual(wrapped);
    const typedStruct = { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'x', value: { k: [1, 'v'] } };
    expect(unpackAny(packAny(typedStruct))).toEqual(typedStruct);
  });

  it('errors name the full field path through Any', () => {
    const listener = {
      name: 'l',
      filter_chains: [
        {
          filters: [
            {
              name: 'hcm',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                route_config: { virtual_hosts: [{ name: 'a' }, { name: 'b', routes: [{ match: 'everything' }] }] },
              },
            },
          ],
        },
      ],
    };
    const error = (() => {
      try {
        encode(TypeUrl.Listener, listener);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CodecError);
    expect((error as CodecError).path).toBe('filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].routes[0].match');
    expect((error as CodecError).message).toMatch(/^filter_chains\[0\]\.filters\[0\]\.typed_config\.route_config\.virtual_hosts\[1\]\.routes\[0\]\.match: expected an object/);
  });

  it('rejects unknown fields, wrong types and unknown @type with the path', () => {
    expect(checkJson(cluster, { name: 'x', colour: 'red' })).toBe('colour: unknown field "colour" in envoy.config.cluster.v3.Cluster');
    expect(checkJson(cluster, { name: 7 })).toBe('name: expected a string, got number 7');
    expect(checkJson(cluster, { load_assignment: { endpoints: {} } })).toBe('load_assignment.endpoints: expected an array, got object');
    expect(checkJson(cluster, { transport_socket: { name: 't', typed_config: { '@type': 'type.googleapis.com/no.such.Type' } } })).toBe(
      'transport_socket.typed_config.@type: unknown type "type.googleapis.com/no.such.Type"',
    );
    expect(checkJson(cluster, { connect_timeout: '1s', connectTimeout: '2s' })).toBe('connect_timeout: set twice (as "connect_timeout" and "connectTimeout")');
    expect(checkJson(cluster, { name: 'ok' })).toBeUndefined();
    expect(() => encode('no.such.Message', {})).toThrow('unknown message type "no.such.Message"');
  });

  it('decoding garbage bytes or an unknown Any type gives a CodecError, not a crash', () => {
    expect(() => decode(cluster, Uint8Array.from([0x0a, 0xff, 0xff, 0xff]))).toThrow(CodecError);
    const any = protoRoot().lookupType('google.protobuf.Any').encode({ type_url: 'type.googleapis.com/x.Y', value: new Uint8Array() }).finish();
    const withAny = protoRoot().lookupType('envoy.config.core.v3.TypedExtensionConfig');
    const bytes = new Uint8Array([...withAny.encode({ name: 'n' }).finish(), 0x12, any.length, ...any]);
    expect(() => decode(TypeUrl.TypedExtensionConfig, bytes)).toThrow('typed_config.@type: unknown type "type.googleapis.com/x.Y"');
  });
});
