import { describe, expect, it } from 'vitest';
import { buildNodeMetadata, parseDownwardApi, serviceCluster, serviceNodeId } from './node-metadata.ts';
import { defaultProxyConfig, mergeProxyConfig, parseProxyConfig } from './proxy-config/proxy-config.ts';

const base = { proxyConfig: defaultProxyConfig(), instanceIps: ['10.0.0.5', '10.0.0.5', '10.0.0.6'], istioVersion: '1.32.0' };

describe('node metadata', () => {
  it('passes ISTIO_META_* through, merges ISTIO_METAJSON_* and lets the agent fields win', () => {
    const n = buildNodeMetadata({
      ...base,
      env: {
        ISTIO_META_CLUSTER_ID: 'Kubernetes',
        ISTIO_META_MESH_ID: 'cluster.local',
        ISTIO_META_INSTANCE_IPS: 'spoofed',
        ISTIO_METAJSON_EXTRA: '{"FOO":"bar"}',
        ISTIO_METAJSON_BROKEN: '{nope',
        POD_NAME: 'reviews-v1-xyz',
        POD_NAMESPACE: 'default',
        SERVICE_ACCOUNT: 'bookinfo-reviews',
      },
    });
    expect(n.metadata).toMatchObject({
      CLUSTER_ID: 'Kubernetes',
      MESH_ID: 'cluster.local',
      FOO: 'bar',
      INSTANCE_IPS: '10.0.0.5,10.0.0.6',
      NAME: 'reviews-v1-xyz',
      NAMESPACE: 'default',
      SERVICE_ACCOUNT: 'bookinfo-reviews',
      ISTIO_VERSION: '1.32.0',
      METADATA_DISCOVERY: 'false',
    });
    expect(n.metadata['PROXY_CONFIG']).toMatchObject({ discoveryAddress: 'istiod.istio-system.svc:15012', drainDuration: '45s' });
  });

  it('takes ISTIO_META_* entries from ProxyConfig.proxyMetadata, overridden by the env', () => {
    const pc = mergeProxyConfig(defaultProxyConfig(), { proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_X: 'pc', OTHER: 'ignored' } });
    const n = buildNodeMetadata({ ...base, proxyConfig: pc, env: { ISTIO_META_X: 'env' } });
    expect(n.metadata['DNS_CAPTURE']).toBe('true');
    expect(n.metadata['X']).toBe('env');
    expect(n.metadata['OTHER']).toBeUndefined();
  });

  it('reads downward-API labels (minus pod-template-hash) and derives locality', () => {
    const n = buildNodeMetadata({
      ...base,
      env: { POD_NAMESPACE: 'shop' },
      podLabelsFile: 'app="cart"\npod-template-hash="abc123"\nistio-locality="us-east1.us-east1-b.rack1"',
      podAnnotationsFile: 'sidecar.istio.io/statsFlushInterval="10s"',
    });
    expect(n.labels).toEqual({ app: 'cart', 'istio-locality': 'us-east1/us-east1-b/rack1' });
    expect(n.locality).toEqual({ region: 'us-east1', zone: 'us-east1-b', subZone: 'rack1' });
    expect(n.annotations).toEqual({ 'sidecar.istio.io/statsFlushInterval': '10s' });
    expect(serviceCluster(n, defaultProxyConfig())).toBe('cart.shop');
  });

  it('names the service cluster from serviceCluster, app, workload or namespace', () => {
    const ns = buildNodeMetadata({ ...base, env: { POD_NAMESPACE: 'ns1' } });
    expect(serviceCluster(ns, defaultProxyConfig())).toBe('istio-proxy.ns1');
    expect(serviceCluster(ns, { serviceCluster: 'custom' })).toBe('custom');
    const wl = buildNodeMetadata({ ...base, env: { POD_NAMESPACE: 'ns1', ISTIO_META_WORKLOAD_NAME: 'ratings-v1' } });
    expect(serviceCluster(wl, defaultProxyConfig())).toBe('ratings-v1.ns1');
  });

  it('rejects a malformed downward API file with the line number', () => {
    expect(() => parseDownwardApi('a="ok"\nb=unquoted')).toThrow(/line 2: value of b/);
  });

  it('builds the upstream node id', () => {
    expect(serviceNodeId('sidecar', '10.244.0.190', 'productpage-v1-6b746f74dc-9stvs', 'default')).toBe(
      'sidecar~10.244.0.190~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local',
    );
    expect(serviceNodeId('router', '10.0.0.1', 'gw', 'istio-system', 'corp.local')).toBe('router~10.0.0.1~gw.istio-system~corp.local');
  });
});

describe('ProxyConfig parsing', () => {
  it('accepts YAML/JSON (PROXY_CONFIG) and text proto', () => {
    expect(parseProxyConfig('{"discoveryAddress":"istiod:15010","concurrency":2}')).toEqual({ discoveryAddress: 'istiod:15010', concurrency: 2 });
    expect(parseProxyConfig('discoveryAddress: istiod:15010\ndrainDuration: 10s')).toEqual({ discoveryAddress: 'istiod:15010', drainDuration: '10s' });
    expect(parseProxyConfig('discovery_address: "istiod:15010" drain_duration {seconds: 10}')).toEqual({
      discoveryAddress: 'istiod:15010',
      drainDuration: '10s',
    });
  });

  it('merges over the defaults', () => {
    const pc = mergeProxyConfig(defaultProxyConfig(), parseProxyConfig('tracing: {zipkin: {address: z:9411}}\nstatusPort: 15030'));
    expect(pc.statusPort).toBe(15030);
    expect(pc.tracing?.zipkin?.address).toBe('z:9411');
    expect(pc.proxyAdminPort).toBe(15000);
  });
});
