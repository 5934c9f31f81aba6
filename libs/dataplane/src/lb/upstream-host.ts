// Runtime state of one upstream host: load, outlier counters and ejection.
import type { HostSpec } from '../cluster/cluster-types.ts';

/** One upstream host as the load balancers and the outlier detector see it. */
export class UpstreamHost {
  spec: HostSpec;
  /** "address:port" or the pipe path; stable identity across config updates. */
  readonly key: string;
  activeRequests = 0;
  activeConnections = 0;
  requestsTotal = 0;
  successTotal = 0;
  errorTotal = 0;
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  ejected = false;
  ejectedUntil = 0;
  ejectionCount = 0;

  constructor(spec: HostSpec) {
    this.spec = spec;
    this.key = hostKey(spec);
  }
}

/** The identity of a host spec. */
export function hostKey(spec: Pick<HostSpec, 'address' | 'port' | 'pipe'>): string {
  return spec.pipe ?? (spec.address.includes(':') ? `[${spec.address}]:${spec.port}` : `${spec.address}:${spec.port}`);
}

/** Picks a host; `hash` is set when the route's hash policy produced one. */
export interface LoadBalancer {
  pick(hash: number | undefined): UpstreamHost | undefined;
}
