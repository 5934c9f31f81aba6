import { describe, expect, it } from 'vitest';
import type { MeshResource } from '@mesh/api';
import { parseMeshConfig } from './mesh-config-source.ts';
import { buildSnapshot } from './snapshot.ts';

describe('mesh config', () => {
  it('reads the istio ConfigMap and keeps defaults for the rest', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { mesh: 'outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\naccessLogFile: /dev/stdout\ndefaultConfig:\n  discoveryAddress: istiod:15012\n' },
    } as unknown as MeshResource;
    const snap = buildSnapshot([cm]);
    expect(snap.meshConfig.outboundTrafficPolicy.mode).toBe('REGISTRY_ONLY');
    expect(snap.meshConfig.accessLogFile).toBe('/dev/stdout');
    expect(snap.meshConfig.proxyListenPort).toBe(15001);
    expect(buildSnapshot([cm], { accessLogFile: '' }).meshConfig.accessLogFile).toBe('');
  });

  it('reports bad fields with their path', () => {
    const r = parseMeshConfig('proxyListenPort: 70000\noutboundTrafficPolicy: {mode: SOMETIMES}\n');
    expect(r.errors).toEqual(['mesh.proxyListenPort: invalid value 70000', 'mesh.outboundTrafficPolicy.mode: must be one of ALLOW_ANY, REGISTRY_ONLY']);
    expect(r.config).toEqual({});
    expect(parseMeshConfig('a: [').errors[0]).toMatch(/^mesh: invalid YAML/);
  });
});

describe('resolveMeshConfig via buildSnapshot', () => {
  it('keeps defaults for malformed or empty fields passed in unvalidated', () => {
    const snap = buildSnapshot([], { outboundTrafficPolicy: {} as never, proxyListenPort: 'x' as never, connectTimeout: '5s' });
    expect(snap.meshConfig.outboundTrafficPolicy.mode).toBe('ALLOW_ANY');
    expect(snap.meshConfig.proxyListenPort).toBe(15001);
    expect(snap.meshConfig.connectTimeout).toBe('5s');
  });
});
