// The RouteAction of a VirtualService HTTP route: destinations (single or weighted), timeout, retries, rewrite,
// mirrors, consistent-hash policy; and the default action for a service without a VirtualService.
import type { Destination, HTTPRetry, HTTPRoute, LoadBalancerSettings } from '@mesh/api';
import { resolveHost } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { mergeTrafficPolicy } from '../cluster/traffic-policy.ts';
import { toDuration } from '../util/duration.ts';
import { fractionalPercent, T } from '../util/envoy.ts';
import { outboundClusterName } from '../util/names.ts';
import { applyHeaders } from './route-filters.ts';

/** The outbound cluster a destination names, inferring the port from a single-port service or the listener port. */
export function destinationCluster(ctx: ProxyContext, dest: Destination, configNamespace: string, listenerPort: number): string {
  const host = resolveHost(dest.host, configNamespace, ctx.snapshot.meshConfig.domainSuffix);
  let port = dest.port?.number;
  if (!port) {
    const svc = ctx.snapshot.serviceByHost(host, ctx.proxy.namespace);
    port = svc && svc.ports.length === 1 ? svc.ports[0]!.port : listenerPort;
  }
  return outboundClusterName(port, dest.subset ?? '', host);
}

/** The consistent-hash LB settings that apply to a destination (via its DestinationRule), if any. */
export function destinationLb(ctx: ProxyContext, dest: Destination, configNamespace: string, port: number): LoadBalancerSettings | undefined {
  const host = resolveHost(dest.host, configNamespace, ctx.snapshot.meshConfig.domainSuffix);
  const svc = ctx.snapshot.serviceByHost(host, ctx.proxy.namespace);
  if (!svc) return undefined;
  const dr = ctx.snapshot.destinationRule(svc, ctx.proxy.namespace)?.resource;
  if (!dr) return undefined;
  const subset = dest.subset ? dr.spec.subsets?.find((s) => s.name === dest.subset) : undefined;
  return mergeTrafficPolicy(dr.spec.trafficPolicy, subset?.trafficPolicy, dest.port?.number ?? port).loadBalancer;
}

/** hash_policy for consistent-hash load balancing. */
export function hashPolicy(lb: LoadBalancerSettings | undefined): EnvoyJson[] | undefined {
  const ch = lb?.consistentHash;
  if (!ch) return undefined;
  if (ch.httpHeaderName) return [{ header: { header_name: ch.httpHeaderName } }];
  if (ch.httpCookie) {
    const cookie: EnvoyJson = { name: ch.httpCookie.name };
    if (ch.httpCookie.path) cookie['path'] = ch.httpCookie.path;
    if (ch.httpCookie.ttl) cookie['ttl'] = toDuration(ch.httpCookie.ttl);
    return [{ cookie }];
  }
  if (ch.useSourceIp) return [{ connection_properties: { source_ip: true } }];
  if (ch.httpQueryParameterName) return [{ query_parameter: { name: ch.httpQueryParameterName } }];
  return undefined;
}

/** Istio's retry policy: the default (2 attempts) unless the route says otherwise; attempts 0 disables retries. */
export function retryPolicy(retries: HTTPRetry | undefined, consistentHash: boolean): EnvoyJson | undefined {
  const out: EnvoyJson = {
    retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
    num_retries: 2,
  };
  if (!consistentHash) out['retry_host_predicate'] = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': T.previousHosts } }];
  out['host_selection_retry_max_attempts'] = '5';
  out['retriable_status_codes'] = [503];
  if (!retries) return out;
  if (!retries.attempts || retries.attempts <= 0) return undefined;
  out['num_retries'] = retries.attempts;
  if (retries.retryOn) {
    const codes: number[] = [];
    const on: string[] = [];
    for (const part of retries.retryOn.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (/^\d{3}$/.test(part)) codes.push(Number(part));
      else on.push(part);
    }
    let retryOn = on.join(',');
    if (codes.length > 0 && !retryOn.includes('retriable-status-codes')) retryOn = retryOn ? `${retryOn},retriable-status-codes` : 'retriable-status-codes';
    out['retry_on'] = retryOn;
    if (codes.length > 0) out['retriable_status_codes'] = codes;
    else delete out['retriable_status_codes'];
  }
  if (retries.perTryTimeout) out['per_try_timeout'] = toDuration(retries.perTryTimeout);
  if (retries.retryRemoteLocalities) {
    out['retry_priority'] = { name: 'envoy.retry_priorities.previous_priorities', typed_config: { '@type': T.previousPriorities, update_frequency: 2 } };
  }
  // Keep the field order stable: retriable_status_codes last.
  const codes = out['retriable_status_codes'];
  if (codes) {
    delete out['retriable_status_codes'];
    out['retriable_status_codes'] = codes;
  }
  return out;
}

function timeoutFields(action: EnvoyJson, timeout: string | undefined): void {
  const t = timeout ? toDuration(timeout) : '0s';
  action['timeout'] = t;
  action['max_stream_duration'] = { max_stream_duration: t, grpc_timeout_header_max: t };
}

function mirrorPolicies(ctx: ProxyContext, r: HTTPRoute, ns: string, port: number): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  if (r.mirror) {
    const policy: EnvoyJson = { cluster: destinationCluster(ctx, r.mirror, ns, port) };
    if (r.mirrorPercentage?.value !== undefined) policy['runtime_fraction'] = { default_value: fractionalPercent(r.mirrorPercentage.value) };
    else if (r.mirrorPercent !== undefined) policy['runtime_fraction'] = { default_value: { numerator: r.mirrorPercent } };
    else policy['runtime_fraction'] = { default_value: { numerator: 100 } };
    policy['trace_sampled'] = false;
    if (!(r.mirrorPercentage?.value === 0 || r.mirrorPercent === 0)) out.push(policy);
  }
  for (const m of r.mirrors ?? []) {
    if (m.percentage?.value === 0) continue;
    out.push({
      cluster: destinationCluster(ctx, m.destination, ns, port),
      runtime_fraction: { default_value: m.percentage?.value !== undefined ? fractionalPercent(m.percentage.value) : { numerator: 100 } },
      trace_sampled: false,
    });
  }
  return out;
}

/** Builds the `route` action for a VirtualService HTTP route with destinations. Returns the action and the route-level extras. */
export function translateRouteAction(ctx: ProxyContext, r: HTTPRoute, ns: string, port: number, routeOut: EnvoyJson): EnvoyJson {
  const action: EnvoyJson = {};
  const dests = (r.route ?? []).filter((d) => d.weight === undefined || d.weight > 0 || (r.route ?? []).length === 1);
  if (dests.length === 1) {
    const d = dests[0]!;
    action['cluster'] = destinationCluster(ctx, d.destination, ns, port);
    applyHeaders(routeOut, 'request', d.headers?.request);
    applyHeaders(routeOut, 'response', d.headers?.response);
  } else {
    action['weighted_clusters'] = {
      clusters: dests.map((d) => {
        const wc: EnvoyJson = { name: destinationCluster(ctx, d.destination, ns, port), weight: d.weight ?? 0 };
        applyHeaders(wc, 'request', d.headers?.request);
        applyHeaders(wc, 'response', d.headers?.response);
        return wc;
      }),
    };
  }
  if (r.rewrite?.uri !== undefined) action['prefix_rewrite'] = r.rewrite.uri;
  if (r.rewrite?.uriRegexRewrite?.match) {
    action['regex_rewrite'] = { pattern: { regex: r.rewrite.uriRegexRewrite.match }, substitution: r.rewrite.uriRegexRewrite.rewrite ?? '' };
  }
  if (r.rewrite?.authority) action['host_rewrite_literal'] = r.rewrite.authority;
  timeoutFields(action, r.timeout);
  const first = dests[0];
  const lb = first ? destinationLb(ctx, first.destination, ns, port) : undefined;
  const hash = hashPolicy(lb);
  const retry = retryPolicy(r.retries, hash !== undefined);
  if (retry) action['retry_policy'] = retry;
  const mirrors = mirrorPolicies(ctx, r, ns, port);
  if (mirrors.length > 0) action['request_mirror_policies'] = mirrors;
  if (hash) action['hash_policy'] = hash;
  return action;
}

/** The action of a service's default route (no VirtualService). */
export function defaultRouteAction(cluster: string, lb: LoadBalancerSettings | undefined): EnvoyJson {
  const action: EnvoyJson = { cluster };
  timeoutFields(action, undefined);
  const hash = hashPolicy(lb);
  const retry = retryPolicy(undefined, hash !== undefined);
  if (retry) action['retry_policy'] = retry;
  if (hash) action['hash_policy'] = hash;
  return action;
}

const redirectCodes: Record<number, string> = { 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT' };

/** HTTPRedirect → RedirectAction. */
export function redirectAction(r: NonNullable<HTTPRoute['redirect']>): EnvoyJson {
  const out: EnvoyJson = {};
  if (r.uri !== undefined) out['path_redirect'] = r.uri;
  if (r.authority) out['host_redirect'] = r.authority;
  if (r.port) out['port_redirect'] = r.port;
  if (r.scheme) out['scheme_redirect'] = r.scheme;
  const code = r.redirectCode ? redirectCodes[r.redirectCode] : undefined;
  if (code) out['response_code'] = code;
  return out;
}
