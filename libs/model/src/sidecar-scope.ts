// Sidecar scoping: which Sidecar resource applies to a proxy and what it lets the proxy see.
import type { IstioEgressListener, IstioIngressListener, ServicePortSpec, Sidecar } from '@mesh/api';
import { hostMatches, labelsMatch } from './hosts.ts';
import type { MeshConfig } from './mesh-config.ts';
import type { Proxy } from './proxy.ts';

export interface EgressHost {
  /** `*` = any namespace, `~` = none. */
  readonly namespace: string;
  readonly host: string;
}

export interface EgressScope {
  readonly port?: ServicePortSpec;
  readonly bind?: string;
  readonly hosts: readonly EgressHost[];
}

export interface SidecarScope {
  readonly resource?: Sidecar;
  readonly egress: readonly EgressScope[];
  readonly ingress: readonly IstioIngressListener[];
  readonly outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
}

function parseEgress(l: IstioEgressListener, proxyNamespace: string): EgressScope {
  const hosts = l.hosts.map((h) => {
    const slash = h.indexOf('/');
    const ns = slash < 0 ? '*' : h.slice(0, slash);
    const host = slash < 0 ? h : h.slice(slash + 1);
    return { namespace: ns === '.' ? proxyNamespace : ns, host };
  });
  return { ...(l.port ? { port: l.port } : {}), ...(l.bind ? { bind: l.bind } : {}), hosts };
}

/** The Sidecar for a proxy: one with a matching workloadSelector in its namespace, else the namespace-wide one, else the root namespace's. */
export function selectSidecar(sidecars: readonly Sidecar[], proxy: Proxy, rootNamespace: string): Sidecar | undefined {
  const inNs = sidecars.filter((s) => (s.metadata.namespace ?? 'default') === proxy.namespace);
  const selected = inNs.find((s) => s.spec.workloadSelector?.labels && labelsMatch(s.spec.workloadSelector.labels, proxy.labels));
  if (selected) return selected;
  const nsWide = inNs.find((s) => !s.spec.workloadSelector?.labels);
  if (nsWide) return nsWide;
  return sidecars.find((s) => (s.metadata.namespace ?? 'default') === rootNamespace && !s.spec.workloadSelector?.labels);
}

/** Builds the scope: without a Sidecar the proxy sees all hosts of all namespaces. */
export function buildSidecarScope(sidecar: Sidecar | undefined, proxy: Proxy, mesh: MeshConfig): SidecarScope {
  const egress = sidecar?.spec.egress?.length
    ? sidecar.spec.egress.map((e) => parseEgress(e, proxy.namespace))
    : [{ hosts: [{ namespace: '*', host: '*' }] }];
  return {
    ...(sidecar ? { resource: sidecar } : {}),
    egress,
    ingress: sidecar?.spec.ingress ?? [],
    outboundTrafficPolicy: sidecar?.spec.outboundTrafficPolicy?.mode ?? mesh.outboundTrafficPolicy.mode,
  };
}

/**
 * True when the scope lets the proxy reach `host:port`: an egress listener for exactly that port decides when there
 * is one; otherwise the port-less (catch-all) egress listeners do.
 */
export function egressAdmitsPort(scope: SidecarScope, namespace: string, host: string, port: number): boolean {
  const forPort = scope.egress.filter((e) => e.port?.number === port);
  const candidates = forPort.length > 0 ? forPort : scope.egress.filter((e) => e.port === undefined);
  return candidates.some((e) => egressAdmits(e, namespace, host));
}

/** True when an egress listener's hosts admit `host` owned by `namespace`. */
export function egressAdmits(scope: EgressScope, namespace: string, host: string): boolean {
  return scope.hosts.some((h) => h.namespace !== '~' && (h.namespace === '*' || h.namespace === namespace) && hostMatches(h.host, host));
}
