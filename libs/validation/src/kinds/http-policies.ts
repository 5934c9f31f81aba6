// Fault injection and retry policies of VirtualService HTTP routes.
import { checkDuration } from '../durations.ts';
import type { Report } from '../issues.ts';
import { has, num, obj, str } from '../values.ts';

const GRPC_STATUS = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
]);

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure', 'cancelled',
  'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

// Status codes Go's http.StatusText knows.
const HTTP_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400,
  401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425,
  426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

function checkPercentage(r: Report, path: string, value: unknown): void {
  const pct = obj(value);
  if (!pct) return;
  const v = num(pct['value']);
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) r.error(path, `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`);
}

/** Validates an HTTPFaultInjection. */
export function validateHTTPFault(r: Report, path: string, value: unknown): void {
  const fault = obj(value);
  if (!fault) return;
  const abort = obj(fault['abort']);
  const delay = obj(fault['delay']);
  if (!abort && !delay) r.error(path, 'HTTP fault injection must have an abort and/or a delay');
  if (abort) {
    const p = `${path}.abort`;
    checkPercentage(r, `${p}.percentage`, abort['percentage']);
    if (has(abort, 'grpcStatus')) {
      const status = str(abort['grpcStatus']);
      if (!GRPC_STATUS.has(status)) {
        r.error(`${p}.grpcStatus`, `gRPC status "${status}" is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`);
      }
    } else if (has(abort, 'http2Error')) {
      r.error(`${p}.http2Error`, 'HTTP/2 abort fault injection not supported yet');
    } else if (has(abort, 'httpStatus')) {
      const status = num(abort['httpStatus']);
      if (status < 200 || status > 600) r.error(`${p}.httpStatus`, `HTTP status ${status} is not in range 200-599`);
    } else {
      r.warn(p, 'abort configured, but error type not set');
    }
  }
  if (delay) {
    const p = `${path}.delay`;
    checkPercentage(r, `${p}.percentage`, delay['percentage']);
    if (has(delay, 'fixedDelay')) r.check(`${p}.fixedDelay`, checkDuration(delay['fixedDelay']));
    if (has(delay, 'exponentialDelay')) {
      r.check(`${p}.exponentialDelay`, checkDuration(delay['exponentialDelay']));
      r.error(`${p}.exponentialDelay`, 'exponentialDelay not supported yet');
    }
  }
}

/** Validates an HTTPRetry. */
export function validateHTTPRetry(r: Report, path: string, value: unknown): void {
  const retries = obj(value);
  if (!retries) return;
  const attempts = num(retries['attempts']);
  if (attempts < 0) r.error(`${path}.attempts`, 'attempts cannot be negative');
  const retryOn = str(retries['retryOn']);
  if (attempts === 0 && (has(retries, 'perTryTimeout') || retryOn !== '' || has(retries, 'retryRemoteLocalities'))) {
    r.error(path, 'http retry policy configured when attempts are set to 0 (disabled)');
  }
  if (has(retries, 'perTryTimeout')) r.check(`${path}.perTryTimeout`, checkDuration(retries['perTryTimeout']));
  if (has(retries, 'backoff')) r.check(`${path}.backoff`, checkDuration(retries['backoff']));
  if (retryOn !== '') {
    for (const policy of retryOn.split(',')) {
      const code = /^[+-]?\d+$/.test(policy) ? Number(policy) : 0;
      if (!HTTP_STATUS.has(code) && !RETRY_ON.has(policy)) r.error(`${path}.retryOn`, `"${policy}" is not a valid retryOn policy`);
    }
  }
}
