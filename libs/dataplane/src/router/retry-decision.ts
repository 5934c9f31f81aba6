// Whether an attempt's outcome is retriable under a RetryPolicy, and the backoff before the next try.
import type { AttemptOutcome } from '../cluster/cluster-runtime.ts';
import type { RetryPolicy } from './route-types.ts';

/** True when the policy retries this outcome (grpcStatus from response headers/trailers-only responses). */
export function isRetriable(p: RetryPolicy, outcome: AttemptOutcome, grpcStatus: number | undefined): boolean {
  if (outcome === 'connect-failure') return p.connectFailure || p.on5xx || p.gatewayError || p.reset;
  if (outcome === 'reset') return p.reset || p.on5xx || p.gatewayError;
  if (outcome === 'timeout') return p.on5xx || p.gatewayError;
  if (p.on5xx && outcome >= 500) return true;
  if (p.gatewayError && (outcome === 502 || outcome === 503 || outcome === 504)) return true;
  if (p.retriable4xx && outcome === 409) return true;
  if (p.statusCodes.includes(outcome)) return true;
  if (grpcStatus !== undefined && p.grpcCodes.includes(grpcStatus)) return true;
  return false;
}

/** Fully jittered exponential backoff: uniform in [0, min(base * (2^n - 1), max)]. */
export function backoffMs(p: RetryPolicy, retryNumber: number): number {
  const ceiling = Math.min(p.backoffBaseMs * (2 ** retryNumber - 1), p.backoffMaxMs);
  return Math.random() * Math.max(ceiling, p.backoffBaseMs);
}
