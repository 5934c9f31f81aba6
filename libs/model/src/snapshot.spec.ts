import { describe, expect, it } from 'vitest';
import type { MeshResource } from '@mesh/api';
import { hostMatches, isExportedTo } from './hosts.ts';
import { kubePortProtocol } from './protocol.ts';
import { parseProxy } from './proxy.ts';
import { buildSnapshot } from './snapshot.ts';

const objects = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'reviews', namespace: 'default' },
    spec: { clusterIP: '10.96.0.13', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, targetPort: 'http-port' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'private', namespace: 'team', annotations: { 'networking.istio.io/exportTo': '.' } },
    spec: { clusterIP: '10.96.0.99', ports: [{ name: 'tcp', port: 5000 }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'reviews-v1', namespace: 'default', labels: { app: 'reviews', version: 'v1' } },
    spec: { containers: [{ name: 'app', ports: [{ name: 'http-port', containerPort: 9081 }] }] },
    status: { podIP: '10.1.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'reviews-v2', namespace: 'default', labels: { app: 'reviews', version: 'v2' } },
    spec: { containers: [{ name: 'app', ports: [{ name: 'http-port', containerPort: 9081 }] }] },
    status: { podIP: '10.1.0.2', conditions: [{ type: 'Ready', status: 'False' }] },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'default' },
    spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'all', namespace: 'istio-system' },
    spec: { host: '*.svc.cluster.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
  },
] as unknown as MeshResource[];

describe('buildSnapshot', () => {
  const snap = buildSnapshot(objects);
  const proxy = parseProxy('sidecar~10.1.0.1~reviews-v1.default~default.svc.cluster.local', { LABELS: { app: 'reviews', version: 'v1' } });

  it('derives hosts, VIPs and protocols from Kubernetes Services', () => {
    const reviews = snap.serviceByHost('reviews.default.svc.cluster.local', 'default');
    expect(reviews).toMatchObject({ address: '10.96.0.13', ports: [{ port: 9080, protocol: 'HTTP' }], resolution: 'ClientSideLB' });
  });

  it('resolves named target ports from Pods and marks unready Pods unhealthy', () => {
    const reviews = snap.serviceByHost('reviews.default.svc.cluster.local', 'default')!;
    expect(snap.endpoints(reviews, 9080).map((e) => [e.address, e.port, e.health])).toEqual([
      ['10.1.0.1', 9081, 'HEALTHY'],
      ['10.1.0.2', 9081, 'UNHEALTHY'],
    ]);
  });

  it('scopes services by exportTo', () => {
    expect(snap.visibleServices(proxy).map((s) => s.hostname)).toEqual(['reviews.default.svc.cluster.local']);
    const teamProxy = parseProxy('sidecar~10.2.0.1~x.team~team.svc.cluster.local');
    expect(snap.visibleServices(teamProxy).map((s) => s.hostname)).toContain('private.team.svc.cluster.local');
  });

  it('resolves VirtualService hosts and falls back to the root namespace DestinationRule', () => {
    expect(snap.config.virtualServices[0]?.hosts).toEqual(['reviews.default.svc.cluster.local']);
    const reviews = snap.serviceByHost('reviews.default.svc.cluster.local', 'default')!;
    expect(snap.destinationRule(reviews, 'default')?.name).toBe('all');
  });

  it('finds the service ports a workload serves', () => {
    expect(snap.serviceInstances(proxy).map((i) => [i.service.name, i.servicePort.port, i.targetPort])).toEqual([['reviews', 9080, 9081]]);
  });

  it('is immutable', () => {
    expect(Object.isFrozen(snap)).toBe(true);
    expect(() => (snap.services as unknown as unknown[]).push(1)).toThrow();
  });
});

describe('helpers', () => {
  it('selects protocols like upstream', () => {
    expect(kubePortProtocol({ name: 'http-web' })).toBe('HTTP');
    expect(kubePortProtocol({ name: 'grpc-web-x' })).toBe('GRPC-Web');
    expect(kubePortProtocol({ name: 'web' })).toBe('auto');
    expect(kubePortProtocol({ name: 'web', appProtocol: 'kubernetes.io/h2c' })).toBe('HTTP2');
    expect(kubePortProtocol({ name: 'tcp', appProtocol: 'http' })).toBe('HTTP');
    expect(kubePortProtocol({ name: 'dns', protocol: 'UDP' })).toBe('UDP');
  });

  it('matches wildcard hosts and exportTo', () => {
    expect(hostMatches('*.example.com', 'a.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostMatches('*', 'x')).toBe(true);
    expect(isExportedTo(['.'], 'a', 'b')).toBe(false);
    expect(isExportedTo(['b'], 'a', 'b')).toBe(true);
    expect(isExportedTo(['~'], 'a', 'a')).toBe(false);
  });
});

describe('malformed objects', () => {
  it('skips and reports them instead of failing the whole snapshot', () => {
    const bad = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'broken', namespace: 'default' }, spec: { ports: 'http' } },
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'default' }, spec: { hosts: 'reviews' } },
      ...objects,
    ] as unknown as MeshResource[];
    const snap = buildSnapshot(bad);
    expect(snap.errors).toHaveLength(2);
    expect(snap.errors[0]).toMatch(/^Service default\/broken: malformed, skipped/);
    expect(snap.errors[1]).toMatch(/^VirtualService default\/vs: malformed, skipped/);
    expect(snap.serviceByHost('reviews.default.svc.cluster.local', 'default')).toBeDefined();
  });
});
