import { describe, expect, it } from 'vitest';
import { parseProxy, ProxyParseError } from './proxy.ts';

describe('parseProxy', () => {
  it('parses a sidecar node id with metadata like upstream', () => {
    const p = parseProxy('sidecar~10.244.0.190~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local', {
      NAMESPACE: 'default',
      INSTANCE_IPS: '10.244.0.190,fd00::1',
      LABELS: { app: 'productpage', version: 'v1' },
      INTERCEPTION_MODE: 'TPROXY',
    });
    expect(p).toMatchObject({
      type: 'sidecar',
      id: 'productpage-v1-6b746f74dc-9stvs.default',
      namespace: 'default',
      ipAddresses: ['10.244.0.190', 'fd00::1'],
      dnsDomain: 'default.svc.cluster.local',
      labels: { app: 'productpage', version: 'v1' },
      interceptionMode: 'TPROXY',
      generator: '',
    });
  });

  it('falls back to the node id for IPs and namespace', () => {
    const p = parseProxy('router~10.0.0.5~gw-1.istio-system~istio-system.svc.cluster.local');
    expect(p.ipAddresses).toEqual(['10.0.0.5']);
    expect(p.namespace).toBe('istio-system');
    expect(p.type).toBe('router');
  });

  it('takes the namespace from the pod id when the domain is not a Kubernetes one (grpcgen bootstrap)', () => {
    const p = parseProxy('sidecar~127.0.1.1~echo.test~cluster.local', { GENERATOR: 'grpc' });
    expect(p.namespace).toBe('test');
    expect(p.dnsDomain).toBe('test.svc.cluster.local');
    expect(p.generator).toBe('grpc');
  });

  it('rejects malformed ids with the field and reason', () => {
    expect(() => parseProxy('sidecar~1.2.3.4~x')).toThrow(ProxyParseError);
    expect(() => parseProxy('sidecar~1.2.3.4~x')).toThrow(/node.id: expected 4 parts/);
    expect(() => parseProxy('ztunnel~1.2.3.4~x.y~y.svc.cluster.local')).toThrow(/unsupported node type "ztunnel"/);
    expect(() => parseProxy('sidecar~~x.y~y.svc.cluster.local')).toThrow(/no IP address/);
    expect(() => parseProxy('sidecar~1.1.1.1~x.y~y.svc.cluster.local', { LABELS: { a: 1 } })).toThrow(/LABELS.a: must be a string/);
    expect(() => parseProxy('sidecar~1.1.1.1~x.y~y.svc.cluster.local', { INTERCEPTION_MODE: 'MAGIC' })).toThrow(/INTERCEPTION_MODE/);
  });
});
