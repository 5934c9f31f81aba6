// Per-route HTTP filter config and header manipulation: fault injection, CORS, request/response headers.
import type { CorsPolicy, HeaderOperations, HTTPFaultInjection } from '@mesh/api';
import type { EnvoyJson } from '@mesh/xds';
import { toDuration } from '../util/duration.ts';
import { fractionalPercent, T } from '../util/envoy.ts';
import { stringMatcher } from './route-match.ts';

/** HTTPFault per-route config; percentages default to 100%. */
export function faultConfig(fault: HTTPFaultInjection): EnvoyJson | undefined {
  const out: EnvoyJson = { '@type': T.fault };
  if (fault.delay?.fixedDelay) {
    const pct = fault.delay.percentage?.value ?? fault.delay.percent ?? 100;
    out['delay'] = { fixed_delay: toDuration(fault.delay.fixedDelay), percentage: fractionalPercent(pct) };
  }
  if (fault.abort) {
    const pct = fault.abort.percentage?.value ?? 100;
    const abort: EnvoyJson = { percentage: fractionalPercent(pct) };
    if (fault.abort.httpStatus !== undefined) abort['http_status'] = fault.abort.httpStatus;
    else if (fault.abort.grpcStatus !== undefined) abort['grpc_status'] = grpcStatusCode(fault.abort.grpcStatus);
    else return out['delay'] ? out : undefined;
    out['abort'] = abort;
  }
  return out['delay'] || out['abort'] ? out : undefined;
}

const grpcCodes = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

function grpcStatusCode(s: string): number {
  const i = grpcCodes.indexOf(s.toUpperCase());
  return i >= 0 ? i : Number(s) || 0;
}

/** CorsPolicy per-route config. */
export function corsConfig(c: CorsPolicy): EnvoyJson {
  const out: EnvoyJson = { '@type': T.corsPolicy };
  const origins = [...(c.allowOrigins ?? []).map((o) => stringMatcher(o)), ...(c.allowOrigin ?? []).map((o) => ({ exact: o }))];
  if (origins.length > 0) out['allow_origin_string_match'] = origins;
  if (c.allowMethods?.length) out['allow_methods'] = c.allowMethods.join(',');
  if (c.allowHeaders?.length) out['allow_headers'] = c.allowHeaders.join(',');
  if (c.exposeHeaders?.length) out['expose_headers'] = c.exposeHeaders.join(',');
  if (c.maxAge) out['max_age'] = String(Math.round(parseFloat(toDuration(c.maxAge))));
  if (c.allowCredentials !== undefined) out['allow_credentials'] = c.allowCredentials;
  out['filter_enabled'] = { default_value: { numerator: 100, denominator: 'HUNDRED' } };
  return out;
}

/** Header operations → `<dir>_headers_to_add` / `_to_remove` fields, merged into `target`. */
export function applyHeaders(target: EnvoyJson, dir: 'request' | 'response', ops: HeaderOperations | undefined): void {
  if (!ops) return;
  const add: EnvoyJson[] = (target[`${dir}_headers_to_add`] as EnvoyJson[] | undefined) ?? [];
  for (const [key, value] of Object.entries(ops.set ?? {})) add.push({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
  for (const [key, value] of Object.entries(ops.add ?? {})) add.push({ header: { key, value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' });
  if (add.length > 0) target[`${dir}_headers_to_add`] = add;
  if (ops.remove?.length) target[`${dir}_headers_to_remove`] = [...((target[`${dir}_headers_to_remove`] as string[] | undefined) ?? []), ...ops.remove];
}
