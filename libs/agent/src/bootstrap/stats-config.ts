import type { NodeMetadata } from '../node-metadata.ts';
import type { ProxyConfig } from '../proxy-config/proxy-config.ts';
import { durationMs } from '../proxy-config/proxy-config.ts';

type Json = Record<string, unknown>;

/** Envoy's default tag extractors that Istio keeps, then Istio's own ones. */
const builtinTagsHead: [string, string][] = [
  ['cluster_name', '^cluster(\\.(.+);)'],
  ['http_conn_manager_prefix', '^http\\.(((?:[_.[:digit:]\\w]*|[_\\[\\]aAbBcCdDeEfF[:digit:]\\w\\:]*));\\.)'],
  ['thread_name', '^server(\\.(.+))\\.watchdog'],
  ['tcp_prefix', '^tcp\\.((.*?)\\.)\\w+?$'],
  ['response_code', '_rq(_(\\d{3}))$'],
  ['response_code_class', '_rq(_(\\dxx))$'],
  ['http_conn_manager_listener_prefix', '^listener(?=\\.).*?\\.http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)'],
  ['listener_address', '^listener\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)'],
  ['mongo_prefix', '^mongo\\.(.+?)\\.(collection|cmd|cx_|op_|delays_|decoding_)(.*?)$'],
];
const builtinTagsTail: [string, string][] = [
  ['cache', '(cache\\.(.+?)\\.)'],
  ['component', '(component\\.(.+?)\\.)'],
  ['tag', '(tag\\.(.+?);\\.)'],
  ['wasm_filter', '(wasm_filter\\.(.+?)\\.)'],
  ['authz_enforce_result', 'rbac(\\.(allowed|denied))'],
  ['authz_dry_run_action', '(\\.istio_dry_run_(allow|deny)_)'],
  ['authz_dry_run_result', '(\\.shadow_(allowed|denied))'],
];

const requiredPrefixes = ['cluster_manager', 'listener_manager', 'server', 'cluster.xds-grpc', 'wasm'];
const requiredSuffixes = ['rbac.allowed', 'rbac.denied', 'shadow_allowed', 'shadow_denied'];
const requiredRegexps = ['vhost\\..*\\.route\\..*'];

/** Annotation (or ProxyConfig.proxyStatsMatcher) values are comma lists; blanks are dropped. */
function splitList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Expands the `{pod_ip}` placeholder once per instance IP. */
function expandPodIp(patterns: string[], ips: string[]): string[] {
  return patterns.flatMap((p) => (p.includes('{pod_ip}') ? ips.map((ip) => p.replaceAll('{pod_ip}', ip)) : [p]));
}

function matcherList(pc: ProxyConfig, key: string): string[] {
  const m = pc['proxyStatsMatcher'];
  if (typeof m !== 'object' || m === null) return [];
  const v = (m as Record<string, unknown>)[key];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** Builds `stats_config` (tags, inclusion list, histogram buckets) from annotations and ProxyConfig. */
export function buildStatsConfig(node: NodeMetadata, pc: ProxyConfig, instanceIps: string[]): Json {
  const ann = node.annotations;
  const extraTags = [...(pc.extraStatTags ?? []), ...splitList(ann['sidecar.istio.io/extraStatTags'])];
  const seen = new Set<string>();
  const tag = ([name, regex]: [string, string]): Json => ({ tag_name: name, regex });
  const stats_tags: Json[] = [
    ...builtinTagsHead.map(tag),
    ...extraTags
      .filter((t) => !seen.has(t) && seen.add(t))
      .map((t) => ({ regex: `(${t}=\\.=(.*?);\\.;)`, tag_name: t })),
    ...builtinTagsTail.map(tag),
  ];

  const hbone = node.metadata['METADATA_DISCOVERY'] === 'true';
  const prefixes = [
    'reporter=',
    ...(hbone ? ['workload_discovery'] : []),
    ...expandPodIp([...matcherList(pc, 'inclusionPrefixes'), ...splitList(ann['sidecar.istio.io/statsInclusionPrefixes'])], instanceIps),
    ...requiredPrefixes,
  ];
  const suffixes = [
    ...matcherList(pc, 'inclusionSuffixes'),
    ...splitList(ann['sidecar.istio.io/statsInclusionSuffixes']),
    ...requiredSuffixes,
    ...(node.metadata['EXIT_ON_ZERO_ACTIVE_CONNECTIONS'] === 'true' ? ['downstream_cx_active'] : []),
  ];
  const regexps = [
    ...expandPodIp([...matcherList(pc, 'inclusionRegexps'), ...splitList(ann['sidecar.istio.io/statsInclusionRegexps'])], instanceIps),
    ...requiredRegexps,
  ];
  const out: Json = { use_all_default_tags: false, stats_tags };
  const buckets = histogramBuckets(ann['sidecar.istio.io/statsHistogramBuckets']);
  if (buckets) out['histogram_bucket_settings'] = buckets;
  out['stats_matcher'] = {
    inclusion_list: {
      patterns: [
        ...prefixes.map((prefix) => ({ prefix })),
        ...suffixes.map((suffix) => ({ suffix })),
        ...regexps.map((regex) => ({ safe_regex: { regex } })),
        { prefix: 'component' },
        { prefix: 'istio' },
      ],
    },
  };
  return out;
}

/** `{"istio":[1,5],"envoy":[...]}` → histogram_bucket_settings sorted by prefix; invalid JSON is ignored. */
function histogramBuckets(v: string | undefined): Json[] | undefined {
  if (!v) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  return Object.keys(parsed)
    .sort()
    .map((prefix) => ({ match: { prefix }, buckets: (parsed as Record<string, unknown>)[prefix] }));
}

/** Default Envoy stats flush interval; eviction must be a multiple of the flush interval. */
const DEFAULT_FLUSH_MS = 5000;

/** stats_flush_interval / stats_eviction_interval from annotations (invalid eviction values are dropped). */
export function statsIntervals(node: NodeMetadata): { flush?: string; eviction?: string } {
  const flush = node.annotations['sidecar.istio.io/statsFlushInterval'];
  const eviction = node.annotations['sidecar.istio.io/statsEvictionInterval'];
  const out: { flush?: string; eviction?: string } = {};
  const flushMs = flush ? durationMs(flush, NaN) : DEFAULT_FLUSH_MS;
  if (flush && Number.isFinite(flushMs)) out.flush = flush;
  if (eviction) {
    const ms = durationMs(eviction, NaN);
    if (Number.isFinite(ms) && Number.isFinite(flushMs) && ms > 0 && ms % flushMs === 0) out.eviction = eviction;
  }
  return out;
}
