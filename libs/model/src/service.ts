// The registry-neutral service model: a service is a host with ports; endpoints are addresses behind a service port.
import type { Protocol } from './protocol.ts';

export interface ServicePortModel {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** Kubernetes targetPort (number or container port name); undefined = same as port. */
  readonly targetPort?: number | string;
}

/** How clients find the endpoints (upstream model.Resolution). */
export type Resolution = 'ClientSideLB' | 'DNSLB' | 'DNSRoundRobinLB' | 'Passthrough';

export interface ServiceModel {
  /** FQDN, e.g. `reviews.default.svc.cluster.local`, or a ServiceEntry host. */
  readonly hostname: string;
  readonly name: string;
  readonly namespace: string;
  /** Primary VIP; `0.0.0.0` when the service has none (headless, ServiceEntry without addresses). */
  readonly address: string;
  readonly addresses: readonly string[];
  /** CIDR ranges (ServiceEntry `addresses` like `10.1.0.0/16`): traffic to them is matched by prefix. */
  readonly cidrs?: readonly string[];
  readonly ports: readonly ServicePortModel[];
  readonly labels: Readonly<Record<string, string>>;
  /** Pod selector (Kubernetes) or workloadSelector (ServiceEntry). */
  readonly selector?: Readonly<Record<string, string>>;
  /** Namespaces it is exported to: `*` (all), `.` resolved to the own namespace, `~` (none). */
  readonly exportTo: readonly string[];
  readonly registry: 'Kubernetes' | 'ServiceEntry';
  readonly resolution: Resolution;
  readonly meshExternal: boolean;
  /** Cluster-local wildcard or external host for DNS ServiceEntries. */
  readonly headless: boolean;
  readonly serviceAccounts: readonly string[];
}

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'DRAINING';

export interface EndpointModel {
  readonly address: string;
  /** The port the workload listens on. */
  readonly port: number;
  readonly servicePortName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly workloadName: string;
  readonly locality: Locality;
  readonly health: HealthStatus;
  /** `istio` when the workload has a sidecar and accepts Istio mTLS. */
  readonly tlsMode: 'istio' | 'disabled';
  readonly weight: number;
  readonly network: string;
}

export const emptyLocality: Locality = { region: '', zone: '', subzone: '' };

/** Parses `region/zone/subzone` (any part may be missing). */
export function parseLocality(s: string | undefined): Locality {
  if (!s) return emptyLocality;
  const [region = '', zone = '', subzone = ''] = s.split('/');
  return { region, zone, subzone };
}
