// envoy.filters.http.fault HTTPFault: fixed delay and abort, each applied to a percentage of requests.
import { ConfigError, durationMs, fraction, obj, optObj, uint, type Json } from '../config/json-reader.ts';

export interface FaultPolicy {
  readonly delayMs: number | undefined;
  readonly delayFraction: number;
  readonly abortStatus: number | undefined;
  readonly abortGrpcStatus: number | undefined;
  readonly abortFraction: number;
}

/** Compiles an HTTPFault message. */
export function compileFault(v: Json, path: string): FaultPolicy {
  const delay = optObj(v['delay'], `${path}.delay`);
  const abort = optObj(v['abort'], `${path}.abort`);
  let delayMs: number | undefined;
  if (delay) {
    if (delay['header_delay'] !== undefined) throw new ConfigError(`${path}.delay.header_delay`, 'header-controlled delays are not supported');
    delayMs = durationMs(delay['fixed_delay'], `${path}.delay.fixed_delay`, undefined);
    if (delayMs === undefined) throw new ConfigError(`${path}.delay.fixed_delay`, 'is required');
  }
  let abortStatus: number | undefined;
  let abortGrpcStatus: number | undefined;
  if (abort) {
    if (abort['http_status'] !== undefined) {
      abortStatus = uint(abort['http_status'], `${path}.abort.http_status`, 0);
      if (abortStatus < 200 || abortStatus >= 600) throw new ConfigError(`${path}.abort.http_status`, 'must be in [200, 600)');
    } else if (abort['grpc_status'] !== undefined) {
      abortGrpcStatus = uint(abort['grpc_status'], `${path}.abort.grpc_status`, 0);
    } else {
      throw new ConfigError(`${path}.abort`, 'http_status or grpc_status is required');
    }
  }
  return {
    delayMs,
    delayFraction: delay ? fraction(delay['percentage'], `${path}.delay.percentage`, 1) : 0,
    abortStatus,
    abortGrpcStatus,
    abortFraction: abort ? fraction(abort['percentage'], `${path}.abort.percentage`, 1) : 0,
  };
}

/** Compiles an optional fault config object (per-route typed_per_filter_config). */
export function compileOptionalFault(v: unknown, path: string): FaultPolicy | undefined {
  const o = optObj(v, path);
  return o ? compileFault(obj(o, path), path) : undefined;
}
