// Compiled RouteConfiguration: plain lookup structures the request path only reads.
import type { StringMatcher } from '../config/string-matcher.ts';
import type { CorsPolicy } from '../http/cors-policy.ts';
import type { FaultPolicy } from '../http/fault-policy.ts';

export type AppendAction = 'append' | 'add_if_absent' | 'overwrite' | 'overwrite_if_exists';

/** request/response headers to add and remove at one level (route config, virtual host, route, weighted cluster). */
export interface HeaderOps {
  readonly add: readonly { readonly key: string; readonly value: string; readonly action: AppendAction }[];
  readonly remove: readonly string[];
}

export interface HeaderMatcher {
  readonly name: string;
  readonly invert: boolean;
  readonly treatMissingAsEmpty: boolean;
  /** undefined with `present` set means presence-only. */
  readonly string: StringMatcher | undefined;
  readonly present: boolean | undefined;
  readonly range: { readonly start: number; readonly end: number } | undefined;
}

export interface QueryMatcher {
  readonly name: string;
  readonly string: StringMatcher | undefined;
  readonly present: boolean;
}

export interface RouteMatch {
  readonly kind: 'prefix' | 'path' | 'regex' | 'separated' | 'connect';
  readonly value: string;
  readonly regex: RegExp | undefined;
  readonly caseSensitive: boolean;
  readonly headers: readonly HeaderMatcher[];
  readonly query: readonly QueryMatcher[];
  readonly grpc: boolean;
  /** runtime_fraction default value as probability. */
  readonly fraction: number;
}

export interface RetryPolicy {
  readonly on5xx: boolean;
  readonly gatewayError: boolean;
  readonly connectFailure: boolean;
  readonly retriable4xx: boolean;
  readonly reset: boolean;
  readonly refusedStream: boolean;
  readonly statusCodes: readonly number[];
  readonly grpcCodes: readonly number[];
  readonly numRetries: number;
  readonly perTryTimeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly avoidPreviousHosts: boolean;
}

export type HashPolicy =
  | { readonly kind: 'header'; readonly name: string; readonly terminal: boolean }
  | { readonly kind: 'cookie'; readonly name: string; readonly ttlMs: number | undefined; readonly path: string; readonly terminal: boolean }
  | { readonly kind: 'source_ip'; readonly terminal: boolean }
  | { readonly kind: 'query'; readonly name: string; readonly terminal: boolean };

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
  readonly requestHeaders: HeaderOps;
  readonly responseHeaders: HeaderOps;
}

export interface ForwardAction {
  readonly kind: 'forward';
  readonly cluster: string | undefined;
  readonly clusterHeader: string | undefined;
  readonly weighted: { readonly clusters: readonly WeightedCluster[]; readonly total: number } | undefined;
  /** 0 disables the timeout. */
  readonly timeoutMs: number;
  /** max_stream_duration.grpc_timeout_header_max: undefined ignores grpc-timeout, 0 honours it uncapped. */
  readonly grpcTimeoutHeaderMaxMs: number | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: { readonly regex: RegExp; readonly substitution: string } | undefined;
  readonly hostRewrite: string | undefined;
  readonly hostRewriteHeader: string | undefined;
  readonly autoHostRewrite: boolean;
  readonly mirrors: readonly { readonly cluster: string; readonly fraction: number }[];
  readonly hashPolicies: readonly HashPolicy[];
}

export interface RedirectAction {
  readonly kind: 'redirect';
  readonly scheme: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly path: string | undefined;
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: { readonly regex: RegExp; readonly substitution: string } | undefined;
  readonly code: number;
  readonly stripQuery: boolean;
}

export interface DirectResponseAction {
  readonly kind: 'direct';
  readonly status: number;
  readonly body: string | undefined;
}

export type RouteAction = ForwardAction | RedirectAction | DirectResponseAction;

export interface CompiledRoute {
  readonly name: string;
  readonly match: RouteMatch;
  readonly action: RouteAction;
  readonly requestHeaders: HeaderOps;
  readonly responseHeaders: HeaderOps;
  readonly fault: FaultPolicy | undefined;
  readonly cors: CorsPolicy | undefined;
  readonly raw: { [key: string]: unknown };
}

export interface CompiledVirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly CompiledRoute[];
  readonly requestHeaders: HeaderOps;
  readonly responseHeaders: HeaderOps;
  readonly retry: RetryPolicy | undefined;
  readonly fault: FaultPolicy | undefined;
  readonly cors: CorsPolicy | undefined;
  /** include_request_attempt_count: x-envoy-attempt-count on every upstream attempt. */
  readonly includeAttemptCount: boolean;
}

export interface CompiledRouteConfig {
  readonly name: string;
  readonly virtualHosts: readonly CompiledVirtualHost[];
  readonly exactDomains: ReadonlyMap<string, CompiledVirtualHost>;
  /** "*.example.com" entries, longest suffix first. */
  readonly suffixDomains: readonly { readonly suffix: string; readonly vh: CompiledVirtualHost }[];
  /** "foo.*" entries, longest prefix first. */
  readonly prefixDomains: readonly { readonly prefix: string; readonly vh: CompiledVirtualHost }[];
  readonly wildcard: CompiledVirtualHost | undefined;
  readonly ignorePortInHostMatching: boolean;
  readonly requestHeaders: HeaderOps;
  readonly responseHeaders: HeaderOps;
  /** Clusters this config refers to (validation). */
  readonly clusterRefs: ReadonlySet<string>;
  readonly raw: { [key: string]: unknown };
}
