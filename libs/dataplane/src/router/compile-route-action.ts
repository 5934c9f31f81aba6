// Route actions: forward (cluster / weighted / header), redirect, direct_response; retry and hash policies.
import { ConfigError, arr, bool, durationMs, enumOf, fraction, obj, optObj, reqStr, searchRegex, str, uint, type Json } from '../config/json-reader.ts';
import { compileHeaderOps } from './header-ops.ts';
import type { DirectResponseAction, ForwardAction, HashPolicy, RedirectAction, RetryPolicy, WeightedCluster } from './route-types.ts';

const grpcRetryCodes: Record<string, number> = { cancelled: 1, 'deadline-exceeded': 4, internal: 13, 'resource-exhausted': 8, unavailable: 14 };
const knownRetryOn = new Set(['5xx', 'gateway-error', 'connect-failure', 'retriable-4xx', 'reset', 'refused-stream', 'retriable-status-codes', 'retriable-headers', 'reset-before-request', 'envoy-ratelimited', 'http3-post-connect-failure', ...Object.keys(grpcRetryCodes)]);

/** Compiles a RetryPolicy (route or virtual host). */
export function compileRetryPolicy(v: unknown, path: string): RetryPolicy | undefined {
  const o = optObj(v, path);
  if (!o) return undefined;
  const on = str(o['retry_on'], `${path}.retry_on`)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const c of on) if (!knownRetryOn.has(c)) throw new ConfigError(`${path}.retry_on`, `unknown retry condition "${c}"`);
  const backoff = obj(o['retry_back_off'], `${path}.retry_back_off`);
  const base = durationMs(backoff['base_interval'], `${path}.retry_back_off.base_interval`, 25);
  if (base <= 0) throw new ConfigError(`${path}.retry_back_off.base_interval`, 'must be greater than 0');
  const max = durationMs(backoff['max_interval'], `${path}.retry_back_off.max_interval`, base * 10);
  if (max < base) throw new ConfigError(`${path}.retry_back_off.max_interval`, 'must not be less than base_interval');
  const predicates = arr(o['retry_host_predicate'], `${path}.retry_host_predicate`).map((p, i) => str(obj(p, `${path}.retry_host_predicate[${i}]`)['name'], `${path}.retry_host_predicate[${i}].name`));
  return {
    on5xx: on.includes('5xx'),
    gatewayError: on.includes('gateway-error'),
    connectFailure: on.includes('connect-failure'),
    retriable4xx: on.includes('retriable-4xx'),
    reset: on.includes('reset') || on.includes('reset-before-request'),
    refusedStream: on.includes('refused-stream'),
    statusCodes: on.includes('retriable-status-codes') ? arr(o['retriable_status_codes'], `${path}.retriable_status_codes`).map((c, i) => uint(c, `${path}.retriable_status_codes[${i}]`, 0)) : [],
    grpcCodes: on.filter((c) => grpcRetryCodes[c] !== undefined).map((c) => grpcRetryCodes[c] as number),
    numRetries: uint(o['num_retries'], `${path}.num_retries`, 1),
    perTryTimeoutMs: durationMs(o['per_try_timeout'], `${path}.per_try_timeout`, 0),
    backoffBaseMs: base,
    backoffMaxMs: max,
    avoidPreviousHosts: predicates.some((n) => n === 'envoy.retry_host_predicates.previous_hosts'),
  };
}

function hashPolicies(v: unknown, path: string): HashPolicy[] {
  return arr(v, path).map((h, i) => {
    const p = `${path}[${i}]`;
    const o = obj(h, p);
    const terminal = bool(o['terminal'], `${p}.terminal`);
    if (o['header'] !== undefined) return { kind: 'header', name: reqStr(obj(o['header'], `${p}.header`)['header_name'], `${p}.header.header_name`).toLowerCase(), terminal };
    if (o['cookie'] !== undefined) {
      const c = obj(o['cookie'], `${p}.cookie`);
      return { kind: 'cookie', name: reqStr(c['name'], `${p}.cookie.name`), ttlMs: durationMs(c['ttl'], `${p}.cookie.ttl`, undefined), path: str(c['path'], `${p}.cookie.path`), terminal };
    }
    if (o['connection_properties'] !== undefined) {
      if (!bool(obj(o['connection_properties'], `${p}.connection_properties`)['source_ip'], `${p}.connection_properties.source_ip`)) {
        throw new ConfigError(`${p}.connection_properties.source_ip`, 'must be true');
      }
      return { kind: 'source_ip', terminal };
    }
    if (o['query_parameter'] !== undefined) return { kind: 'query', name: reqStr(obj(o['query_parameter'], `${p}.query_parameter`)['name'], `${p}.query_parameter.name`), terminal };
    throw new ConfigError(p, 'one of header, cookie, connection_properties or query_parameter is required');
  });
}

function regexRewrite(v: unknown, path: string): { regex: RegExp; substitution: string } | undefined {
  const o = optObj(v, path);
  if (!o) return undefined;
  return { regex: searchRegex(obj(o['pattern'], `${path}.pattern`)['regex'], `${path}.pattern.regex`), substitution: str(o['substitution'], `${path}.substitution`).replace(/\\(\d)/g, '$$$1') };
}

/** Compiles `route` (RouteAction). */
export function compileForward(v: unknown, path: string): ForwardAction {
  const o = obj(v, path);
  let cluster: string | undefined;
  let clusterHeader: string | undefined;
  let weighted: ForwardAction['weighted'];
  if (o['cluster'] !== undefined) cluster = reqStr(o['cluster'], `${path}.cluster`);
  else if (o['cluster_header'] !== undefined) clusterHeader = reqStr(o['cluster_header'], `${path}.cluster_header`).toLowerCase();
  else if (o['weighted_clusters'] !== undefined) {
    const wp = `${path}.weighted_clusters`;
    const w = obj(o['weighted_clusters'], wp);
    const clusters: WeightedCluster[] = arr(w['clusters'], `${wp}.clusters`).map((c, i) => {
      const cp = `${wp}.clusters[${i}]`;
      const co = obj(c, cp);
      return {
        name: reqStr(co['name'], `${cp}.name`),
        weight: uint(co['weight'], `${cp}.weight`, 0),
        requestHeaders: compileHeaderOps(co['request_headers_to_add'], co['request_headers_to_remove'], `${cp}.request_headers_to_add`, `${cp}.request_headers_to_remove`),
        responseHeaders: compileHeaderOps(co['response_headers_to_add'], co['response_headers_to_remove'], `${cp}.response_headers_to_add`, `${cp}.response_headers_to_remove`),
      };
    });
    if (clusters.length === 0) throw new ConfigError(`${wp}.clusters`, 'must have at least one cluster');
    const sum = clusters.reduce((s, c) => s + c.weight, 0);
    const total = uint(w['total_weight'], `${wp}.total_weight`, sum);
    if (total === 0) throw new ConfigError(`${wp}.clusters`, 'the sum of weights must be greater than 0');
    if (w['total_weight'] !== undefined && total !== sum) throw new ConfigError(`${wp}.total_weight`, `is ${total} but the weights sum to ${sum}`);
    weighted = { clusters, total };
  } else {
    throw new ConfigError(path, 'one of cluster, cluster_header or weighted_clusters is required');
  }
  const mirrors = arr(o['request_mirror_policies'], `${path}.request_mirror_policies`).map((m, i) => {
    const mp = `${path}.request_mirror_policies[${i}]`;
    const mo = obj(m, mp);
    const rf = optObj(mo['runtime_fraction'], `${mp}.runtime_fraction`);
    return { cluster: reqStr(mo['cluster'], `${mp}.cluster`), fraction: rf ? fraction(rf['default_value'], `${mp}.runtime_fraction.default_value`, 1) : 1 };
  });
  const timeout = durationMs(o['timeout'], `${path}.timeout`, 15_000);
  const msd = optObj(o['max_stream_duration'], `${path}.max_stream_duration`);
  return {
    kind: 'forward',
    cluster,
    clusterHeader,
    weighted,
    timeoutMs: timeout,
    grpcTimeoutHeaderMaxMs: msd ? durationMs(msd['grpc_timeout_header_max'], `${path}.max_stream_duration.grpc_timeout_header_max`, undefined) : undefined,
    retry: compileRetryPolicy(o['retry_policy'], `${path}.retry_policy`),
    prefixRewrite: o['prefix_rewrite'] !== undefined ? str(o['prefix_rewrite'], `${path}.prefix_rewrite`) : undefined,
    regexRewrite: regexRewrite(o['regex_rewrite'], `${path}.regex_rewrite`),
    hostRewrite: o['host_rewrite_literal'] !== undefined ? str(o['host_rewrite_literal'], `${path}.host_rewrite_literal`) : undefined,
    hostRewriteHeader: o['host_rewrite_header'] !== undefined ? str(o['host_rewrite_header'], `${path}.host_rewrite_header`).toLowerCase() : undefined,
    autoHostRewrite: bool(o['auto_host_rewrite'], `${path}.auto_host_rewrite`),
    mirrors,
    hashPolicies: hashPolicies(o['hash_policy'], `${path}.hash_policy`),
  };
}

const redirectCodes = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 } as const;

/** Compiles `redirect` (RedirectAction). */
export function compileRedirect(v: unknown, path: string): RedirectAction {
  const o = obj(v, path);
  const codeName = enumOf(o['response_code'], `${path}.response_code`, Object.keys(redirectCodes) as (keyof typeof redirectCodes)[], 'MOVED_PERMANENTLY');
  let scheme = o['scheme_redirect'] !== undefined ? str(o['scheme_redirect'], `${path}.scheme_redirect`) : undefined;
  if (bool(o['https_redirect'], `${path}.https_redirect`)) scheme = 'https';
  const port = o['port_redirect'] !== undefined ? uint(o['port_redirect'], `${path}.port_redirect`, 0) : undefined;
  return {
    kind: 'redirect',
    scheme,
    host: o['host_redirect'] !== undefined ? str(o['host_redirect'], `${path}.host_redirect`) : undefined,
    port,
    path: o['path_redirect'] !== undefined ? str(o['path_redirect'], `${path}.path_redirect`) : undefined,
    prefixRewrite: o['prefix_rewrite'] !== undefined ? str(o['prefix_rewrite'], `${path}.prefix_rewrite`) : undefined,
    regexRewrite: regexRewrite(o['regex_rewrite'], `${path}.regex_rewrite`),
    code: redirectCodes[codeName],
    stripQuery: bool(o['strip_query'], `${path}.strip_query`),
  };
}

/** Compiles `direct_response`. */
export function compileDirectResponse(v: unknown, path: string): DirectResponseAction {
  const o = obj(v, path);
  const status = uint(o['status'], `${path}.status`, 0);
  if (status < 200 || status >= 600) throw new ConfigError(`${path}.status`, 'must be in [200, 600)');
  const body = optObj(o['body'], `${path}.body`) as Json | undefined;
  let text: string | undefined;
  if (body) {
    if (body['inline_string'] !== undefined) text = str(body['inline_string'], `${path}.body.inline_string`);
    else if (body['inline_bytes'] !== undefined) text = Buffer.from(str(body['inline_bytes'], `${path}.body.inline_bytes`), 'base64').toString();
    else throw new ConfigError(`${path}.body`, 'inline_string or inline_bytes is required');
  }
  return { kind: 'direct', status, body: text };
}
