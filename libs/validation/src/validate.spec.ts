// Focused tests of rules that are easy to get subtly wrong, and of the validator's robustness.
import { describe, expect, it } from 'vitest';
import { validate, validateObject } from './index.ts';
import { checkDuration } from './durations.ts';
import { checkFQDN, checkWildcardDomain, hostsMatch, hostSubsetOf } from './hosts.ts';
import { checkIPSubnet } from './ip.ts';
import { checkRegex } from './regex.ts';

function vs(spec: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'default' }, spec, ...extra };
}

describe('shared primitives', () => {
  it('validates durations to millisecond precision', () => {
    expect(checkDuration('1s')).toBeUndefined();
    expect(checkDuration('0.001s')).toBeUndefined();
    expect(checkDuration('0.0005s')).toMatch(/greater than 1ms/);
    expect(checkDuration('1.0001s')).toMatch(/ms precision/);
    expect(checkDuration('3m')).toBeUndefined();
    expect(checkDuration('1h30m0.5s')).toBeUndefined();
    expect(checkDuration('250us')).toMatch(/greater than 1ms/);
    expect(checkDuration('10 minutes')).toMatch(/invalid duration/);
  });

  it('treats wildcards, trailing dots and numeric TLDs as upstream does', () => {
    expect(checkWildcardDomain('*.bar.com')).toBeUndefined();
    expect(checkWildcardDomain('*-foo.bar.com')).toBeUndefined();
    expect(checkWildcardDomain('foo.*.com')).toMatch(/label "\*" invalid/);
    expect(checkFQDN('istio.io.')).toBeUndefined();
    expect(checkFQDN('1.1.1.1')).toMatch(/all-numeric/);
    expect(checkFQDN('x'.repeat(256))).toMatch(/too long/);
  });

  it('matches overlapping hosts and subsets', () => {
    expect(hostsMatch('*.foo.bar', '*.bar')).toBe(true);
    expect(hostsMatch('a.foo.com', '*.foo.com')).toBe(true);
    expect(hostsMatch('a.com', 'b.com')).toBe(false);
    expect(hostSubsetOf('a.foo.com', '*.foo.com')).toBe(true);
    expect(hostSubsetOf('*.foo.com', 'a.foo.com')).toBe(false);
  });

  it('parses IPs and CIDRs strictly', () => {
    expect(checkIPSubnet('10.0.0.0/8')).toBeUndefined();
    expect(checkIPSubnet('2001:db8::/32')).toBeUndefined();
    expect(checkIPSubnet('10.0.0.0/33')).toMatch(/CIDR/);
    expect(checkIPSubnet('01.2.3.4')).toMatch(/not a valid IP/);
  });

  it('accepts RE2 syntax and rejects what RE2 lacks', () => {
    expect(checkRegex('^/api/(?P<v>v[0-9]+)/.*$', 'uri')).toBeUndefined();
    expect(checkRegex('(?i)^foo', 'uri')).toBeUndefined();
    expect(checkRegex('foo(?=bar)', 'uri')).toMatch(/Perl syntax/);
    expect(checkRegex('[', 'uri')).toMatch(/error parsing regexp/);
    expect(checkRegex('a'.repeat(1025), 'uri')).toMatch(/too large/);
    expect(checkRegex('a{1001}', 'uri')).toMatch(/repeat count/);
    expect(checkRegex('[[:alpha:]]+\\z', 'uri')).toBeUndefined();
  });
});

describe('VirtualService rules', () => {
  it('reports field paths down to the offending weight', () => {
    const res = validate('VirtualService', vs({
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 0 }, { destination: { host: 'reviews', subset: 'v2' }, weight: -5 }] }],
    }));
    expect(res.errors).toContainEqual({ path: 'spec.http[0].route[1].weight', message: 'weight -5 < 0' });
  });

  it('warns about a catch-all rule that hides later rules, without failing', () => {
    const res = validate('VirtualService', vs({
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews' } }] }, { route: [{ destination: { host: 'ratings' } }] }],
    }));
    expect(res.errors).toEqual([]);
    expect(res.warnings[0]?.message).toMatch(/not used \(only the last rule can have no matches\)/);
  });

  it('rejects redirect combined with route, and bad retry policies', () => {
    const res = validate('VirtualService', vs({
      hosts: ['reviews'],
      http: [{
        redirect: { uri: '/new' },
        route: [{ destination: { host: 'reviews' } }],
        retries: { attempts: 3, retryOn: '5xx,bogus' },
      }],
    }));
    const messages = res.errors.map((e) => e.message);
    expect(messages).toContain('HTTP route cannot contain both route and redirect');
    expect(messages).toContain('"bogus" is not a valid retryOn policy');
  });

  it('requires SNI hosts of TLS routes to be covered by the service hosts', () => {
    const res = validate('VirtualService', vs({
      hosts: ['*.example.com'],
      tls: [{ match: [{ sniHosts: ['a.other.com'] }], route: [{ destination: { host: 'backend' } }] }],
    }));
    expect(res.errors[0]?.path).toBe('spec.tls[0].match[0].sniHosts[0]');
  });
});

describe('DestinationRule and ServiceEntry rules', () => {
  it('rejects a non-prime maglev table and warns about a deprecated ring size', () => {
    const res = validate('DestinationRule', {
      metadata: { name: 'r', namespace: 'ns' },
      spec: { host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x', maglev: { tableSize: 1000 } } } } },
    });
    expect(res.errors.map((e) => e.message)).toContain('tableSize must be a prime number for maglev');
  });

  it('checks locality distribute weights sum to 100', () => {
    const res = validate('DestinationRule', {
      metadata: { name: 'r', namespace: 'ns' },
      spec: {
        host: 'reviews',
        trafficPolicy: {
          outlierDetection: { consecutive5xxErrors: 5 },
          loadBalancer: { localityLbSetting: { distribute: [{ from: 'us-west/*', to: { 'us-west/zone1/*': 60, 'us-east/*': 30 } }] } },
        },
      },
    });
    expect(res.errors[0]?.message).toBe('total locality weight 90 != 100');
  });

  it('rejects multiple hosts with plain TCP ports unless resolution is NONE', () => {
    const res = validate('ServiceEntry', {
      metadata: { name: 'se', namespace: 'ns' },
      spec: { hosts: ['a.com', 'b.com'], addresses: ['10.0.0.1'], ports: [{ number: 5432, name: 'pg', protocol: 'TCP' }], resolution: 'DNS' },
    });
    expect(res.errors.map((e) => e.message)).toContain('multiple hosts provided with non-HTTP, non-TLS ports');
  });
});

describe('AuthorizationPolicy rules', () => {
  it('prefixes errors with the policy name and checks condition values', () => {
    const res = validate('AuthorizationPolicy', {
      metadata: { name: 'deny-bad', namespace: 'prod' },
      spec: { action: 'DENY', rules: [{ to: [{ operation: { ports: ['8080'] } }], when: [{ key: 'destination.port', values: ['http'] }] }] },
    });
    expect(res.errors).toHaveLength(1);
    expect(res.errors[0]?.message).toMatch(/^invalid policy deny-bad\.prod: invalid `value` for `key` destination\.port/);
    expect(res.errors[0]?.path).toBe('spec.rules[0].when[0].values');
  });

  it('validates path templates', () => {
    const res = validate('AuthorizationPolicy', {
      metadata: { name: 'p', namespace: 'ns' },
      spec: { rules: [{ to: [{ operation: { paths: ['/api/{**}/{*}', '/ok/{*}/y/{**}'] } }] }] },
    });
    expect(res.errors.map((e) => e.path)).toEqual(['spec.rules[0].to[0].operation.paths']);
  });
});

describe('validateObject', () => {
  it('dispatches on apiVersion and kind and accepts a valid object', () => {
    const res = validateObject(vs({ hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }));
    expect(res).toEqual({ kind: 'VirtualService', errors: [], warnings: [] });
  });

  it('rejects unknown kinds, bad names, unknown fields and wrong types', () => {
    expect(validateObject({ apiVersion: 'networking.istio.io/v1', kind: 'Frobnicator', metadata: { name: 'x' } }).errors[0]?.message)
      .toMatch(/unknown kind networking\.istio\.io\/v1\/Frobnicator/);
    const res = validateObject({
      ...vs({ hosts: 'reviews', htp: [], http: [{ route: [{ destination: { host: 'reviews' } }] }] }),
      metadata: { name: 'Bad_Name', namespace: 'default' },
      extra: true,
    });
    const paths = res.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['extra', 'metadata.name', 'spec.hosts', 'spec.htp']));
  });

  it('rejects a version the CRD does not serve', () => {
    const res = validateObject({ apiVersion: 'security.istio.io/v1alpha9', kind: 'PeerAuthentication', metadata: { name: 'x' }, spec: {} });
    expect(res.errors[0]?.path).toBe('apiVersion');
  });

  it('enforces CRD value constraints such as enums', () => {
    const res = validateObject({
      apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'x', namespace: 'ns' },
      spec: { mtls: { mode: 'SOMETIMES' } },
    });
    expect(res.errors[0]?.path).toBe('spec.mtls.mode');
  });

  it('never throws, whatever the input', () => {
    const samples: unknown[] = [null, undefined, 42, 'x', [], [1, 2], { kind: 'VirtualService' }, { spec: [] }];
    const kinds = ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'AuthorizationPolicy',
      'RequestAuthentication', 'PeerAuthentication', 'Telemetry', 'WasmPlugin', 'WorkloadEntry', 'WorkloadGroup', 'EnvoyFilter', 'ProxyConfig'];
    const junk: unknown[] = [null, 1, 'a', true, [], {}, [null], { a: null }, [{ b: [1, { c: 'x' }] }]];
    let seed = 7;
    const pick = <T>(list: T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return list[seed % list.length] as T;
    };
    const fields = ['hosts', 'http', 'tcp', 'tls', 'servers', 'ports', 'endpoints', 'rules', 'jwtRules', 'egress', 'ingress',
      'trafficPolicy', 'subsets', 'selector', 'targetRef', 'portLevelMtls', 'tracing', 'metrics', 'configPatches', 'url', 'probe'];
    for (const kind of kinds) {
      for (const s of samples) expect(() => validate(kind, s)).not.toThrow();
      for (let i = 0; i < 200; i++) {
        const spec: Record<string, unknown> = {};
        for (let j = 0; j < 4; j++) spec[pick(fields)] = pick(junk);
        const res = validate(kind, { metadata: { name: 'n', namespace: 'ns' }, spec });
        expect(res.errors.every((e) => !e.message.startsWith('internal validation error'))).toBe(true);
      }
    }
    for (const s of samples) expect(() => validateObject(s)).not.toThrow();
  });
});
