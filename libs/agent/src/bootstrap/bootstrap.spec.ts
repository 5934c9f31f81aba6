import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildNodeMetadata } from '../node-metadata.ts';
import { parseProtoText } from '../proxy-config/proto-text.ts';
import type { ProxyConfig } from '../proxy-config/proxy-config.ts';
import { buildBootstrap } from './bootstrap.ts';

/** Upstream's bootstrap generator inputs and outputs (pkg/bootstrap/testdata). */
const dir = '/work/shared/istio/xds/bootstrap';

/**
 * Per-case inputs the upstream test supplies besides the .proxycfg (env vars, pod annotations,
 * ProxyConfig additions, agent options). Outputs are never listed here: they come from the generator.
 */
interface CaseInput {
  proxycfg?: string;
  env?: Record<string, string>;
  annotations?: Record<string, string>;
  proxyMetadata?: Record<string, string>;
  secureMetrics?: boolean;
}
const runningEnv = {
  ISTIO_META_ISTIO_PROXY_SHA: 'istio-proxy:sha',
  ISTIO_META_INTERCEPTION_MODE: 'REDIRECT',
  ISTIO_META_ISTIO_VERSION: 'release-3.1',
  ISTIO_META_POD_NAME: 'svc-0-0-0-6944fb884d-4pgx8',
  POD_NAME: 'svc-0-0-0-6944fb884d-4pgx8',
  POD_NAMESPACE: 'test',
  INSTANCE_IP: '10.10.10.1',
  ISTIO_METAJSON_LABELS: '{"version": "v1alpha1", "app": "test", "istio-locality":"regionA.zoneB.sub_zoneC"}',
};
const statsSuffixes =
  'upstream_rq_1xx,upstream_rq_2xx,upstream_rq_3xx,upstream_rq_4xx,upstream_rq_5xx,upstream_rq_time,upstream_cx_tx_bytes_total,' +
  'upstream_cx_rx_bytes_total,upstream_cx_total,downstream_rq_1xx,downstream_rq_2xx,downstream_rq_3xx,downstream_rq_4xx,' +
  'downstream_rq_5xx,downstream_rq_time,downstream_cx_tx_bytes_total,downstream_cx_rx_bytes_total,downstream_cx_total';
const cases: Record<string, CaseInput> = {
  running: { env: runningEnv, annotations: { 'istio.io/insecurepath': '{"paths":["/metrics","/live"]}' } },
  runningsds: { env: runningEnv, annotations: { 'istio.io/insecurepath': '{"paths":["/metrics","/live"]}' } },
  ambient: { env: { ISTIO_META_ENABLE_HBONE: 'true' } },
  lrs: { env: { ISTIO_META_LOAD_STATS_CONFIG_JSON: '{"api_type": "GRPC", "transport_api_version": "V3"}' } },
  global_downstream_max_connections_meta: { proxyMetadata: { ISTIO_META_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS: '10000' } },
  global_downstream_max_connections_both: { proxyMetadata: { ISTIO_META_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS: '20000' } },
  global_downstream_connection_settings_with_meta: { proxyMetadata: { ISTIO_META_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS: '10000' } },
  stats_inclusion: {
    annotations: {
      'sidecar.istio.io/statsInclusionPrefixes': 'prefix1,prefix2,http.{pod_ip}_',
      'sidecar.istio.io/statsInclusionSuffixes': `suffix1,suffix2,${statsSuffixes}`,
      'sidecar.istio.io/statsInclusionRegexps': 'http.[0-9]*\\.[0-9]*\\.[0-9]*\\.[0-9]*_8080.downstream_rq_time',
      'sidecar.istio.io/extraStatTags': 'dlp_status,dlp_error',
      'sidecar.istio.io/statsHistogramBuckets':
        '{"istio":[1,5,10,50,100,500,1000,5000,10000],"envoy":[1,5,10,25,50,100,250,500,1000,2500,5000,10000]}',
    },
  },
  stats_flush_interval: { annotations: { 'sidecar.istio.io/statsFlushInterval': '10s' } },
  stats_eviction_interval: { annotations: { 'sidecar.istio.io/statsEvictionInterval': '10s' } },
  invalid_stats_eviction_interval: { proxycfg: 'stats_eviction_interval', annotations: { 'sidecar.istio.io/statsEvictionInterval': '11s' } },
  stats_interval: {
    annotations: { 'sidecar.istio.io/statsFlushInterval': '10s', 'sidecar.istio.io/statsEvictionInterval': '20s' },
  },
  secure_metrics: { proxycfg: 'default', secureMetrics: true },
};

/**
 * Cases whose golden depends on upstream feature flags or version checks the agent does not model;
 * each lists the only JSON paths allowed to differ.
 */
const knownDifferences: Record<string, string[]> = {
  lrs: ['layered_runtime.layers[0].static_layer.envoy.reloadable_features.google_grpc_disable_tls_13'],
  legacy_stats_tags_regex: [
    'layered_runtime.layers[0].static_layer',
    'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters',
    'overload_manager',
  ],
};

function annotationFile(a: Record<string, string>): string {
  return Object.entries(a)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n');
}

function generate(base: string, c: CaseInput): Record<string, unknown> {
  const pc = parseProtoText(readFileSync(join(dir, `${c.proxycfg ?? base}.proxycfg`), 'utf8')) as ProxyConfig;
  pc.configPath = `/tmp/bootstrap/${c.proxycfg === 'default' ? 'default' : base}`;
  pc.customConfigFile = 'envoy_bootstrap.json';
  pc.statusPort = 15020;
  if (c.proxyMetadata) pc.proxyMetadata = c.proxyMetadata;
  const env: Record<string, string> = { ...(c.env ?? {}) };
  if (c.annotations) env['ISTIO_METAJSON_ANNOTATIONS'] = JSON.stringify(c.annotations);
  const instanceIps = ['10.3.3.3', '10.4.4.4', '10.5.5.5', '10.6.6.6', '10.4.4.4'];
  const node = buildNodeMetadata({
    env,
    proxyConfig: pc,
    instanceIps,
    istioVersion: 'binary-1.0',
    pilotSan: ['spiffe://cluster.local/ns/istio-system/sa/istio-pilot-service-account'],
    outlierLogPath: '/dev/stdout',
    workloadIdentitySocketFile: 'test.sock',
    envoyStatusPort: 15021,
    envoyPrometheusPort: 15090,
    ...(c.secureMetrics ? { secureMetricsPort: 15091, secureMergedMetricsPort: 15092 } : {}),
    ...(c.annotations ? { podAnnotationsFile: annotationFile(c.annotations) } : {}),
  });
  const json = JSON.stringify(
    buildBootstrap({
      nodeId: 'sidecar~1.2.3.4~foo~bar',
      node,
      proxyConfig: pc,
      instanceIps: [...new Set(instanceIps)],
      xdsSocketPath: '/tmp/XDS',
      sdsSocketPath: './var/run/secrets/workload-spiffe-uds/test.sock',
      ...(c.secureMetrics ? { secureMetricsPort: 15091, secureMergedMetricsPort: 15092 } : {}),
    }),
  );
  // the Lightstep token path depends on the output directory, as upstream normalises it
  return JSON.parse(json.replace(/("access_token_file":")[^"]*(lightstep_access_token.txt")/, '$1/test-path/$2')) as Record<string, unknown>;
}

/** Lists JSON paths where two values differ (objects compared by key, arrays by index). */
function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null) {
    return a === b ? [] : [path];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [path];
    return a.flatMap((x, i) => diffPaths(x, b[i], `${path}[${i}]`));
  }
  if (typeof a === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    return [...keys].flatMap((k) => diffPaths(ao[k], bo[k], path ? `${path}.${k}` : k));
  }
  return a === b ? [] : [path];
}

const goldens = readdirSync(dir)
  .filter((f) => f.endsWith('_golden.json'))
  .map((f) => f.replace(/_golden\.json$/, ''));

describe('bootstrap goldens (upstream pkg/bootstrap/testdata)', () => {
  for (const base of goldens) {
    const c = cases[base] ?? {};
    const hasInput = existsSync(join(dir, `${c.proxycfg ?? base}.proxycfg`));
    it.runIf(hasInput)(base, () => {
      const expected: unknown = JSON.parse(readFileSync(join(dir, `${base}_golden.json`), 'utf8'));
      const diffs = diffPaths(expected, generate(base, c));
      const allowed = knownDifferences[base] ?? [];
      const unexpected = diffs.filter((d) => !allowed.some((a) => d === a || d.startsWith(`${a}.`) || d.startsWith(`${a}[`)));
      expect(unexpected).toEqual([]);
    });
  }
});

describe('proto text', () => {
  it('turns durations, wrappers and map entries into protojson shapes', () => {
    const pc = parseProtoText('drain_duration: {seconds: 2}\nstats_compression: {value: false}\nruntime_values: [{ key: "a" value: "b" }]');
    expect(pc).toEqual({ drainDuration: '2s', statsCompression: false, runtimeValues: { a: 'b' } });
  });
  it('reports where a malformed file breaks', () => {
    expect(() => parseProtoText('a: {b: 1')).toThrow(/missing '}'/);
  });
});
