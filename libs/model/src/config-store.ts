// Istio config indexed for translation: VirtualServices with resolved hosts and gateways, DestinationRules by host,
// Gateways, Sidecars and PeerAuthentications by namespace.
import type { DestinationRule, Gateway, PeerAuthentication, Sidecar, VirtualService } from '@mesh/api';
import { hostMatches, isExportedTo, resolveHost } from './hosts.ts';

/** A VirtualService with FQDN hosts and gateway references as `ns/name` or `mesh`. */
export interface ResolvedVirtualService {
  readonly resource: VirtualService;
  readonly name: string;
  readonly namespace: string;
  readonly hosts: readonly string[];
  readonly gateways: readonly string[];
}

export interface ResolvedDestinationRule {
  readonly resource: DestinationRule;
  readonly name: string;
  readonly namespace: string;
  readonly host: string;
}

/** `name` → `<ns>/name`; `mesh` stays. */
export function resolveGatewayRef(ref: string, namespace: string): string {
  if (ref === 'mesh' || ref.includes('/')) return ref;
  // `name.namespace.svc.cluster.local` form is also accepted upstream.
  const dot = ref.indexOf('.');
  if (dot > 0) return `${ref.slice(dot + 1).split('.')[0]}/${ref.slice(0, dot)}`;
  return `${namespace}/${ref}`;
}

/** Orders config like upstream (oldest first, then namespace/name) so conflicts resolve deterministically. */
export function configOrder(a: { metadata: { name: string; namespace?: string; creationTimestamp?: string } }, b: typeof a): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function resolveVirtualService(vs: VirtualService, domainSuffix: string): ResolvedVirtualService {
  const ns = vs.metadata.namespace ?? 'default';
  const gateways = vs.spec.gateways && vs.spec.gateways.length > 0 ? vs.spec.gateways : ['mesh'];
  return {
    resource: vs,
    name: vs.metadata.name,
    namespace: ns,
    hosts: (vs.spec.hosts ?? []).map((h) => resolveHost(h, ns, domainSuffix)),
    gateways: gateways.map((g) => resolveGatewayRef(g, ns)),
  };
}

export function resolveDestinationRule(dr: DestinationRule, domainSuffix: string): ResolvedDestinationRule {
  const ns = dr.metadata.namespace ?? 'default';
  return { resource: dr, name: dr.metadata.name, namespace: ns, host: resolveHost(dr.spec.host, ns, domainSuffix) };
}

/** The DestinationRule for `host` seen from `proxyNamespace`: proxy namespace, then the service's, then the root namespace. */
export function pickDestinationRule(
  rules: readonly ResolvedDestinationRule[],
  host: string,
  proxyNamespace: string,
  serviceNamespace: string,
  rootNamespace: string,
): ResolvedDestinationRule | undefined {
  for (const ns of [proxyNamespace, serviceNamespace, rootNamespace]) {
    const candidates = rules.filter(
      (r) => r.namespace === ns && hostMatches(r.host, host) && isExportedTo(r.resource.spec.exportTo, r.namespace, proxyNamespace),
    );
    const exact = candidates.find((r) => r.host === host);
    if (exact) return exact;
    // Most specific wildcard wins.
    const best = candidates.sort((a, b) => b.host.length - a.host.length)[0];
    if (best) return best;
  }
  return undefined;
}

/** Immutable index of the Istio config kinds translation reads. */
export interface ConfigIndex {
  readonly virtualServices: readonly ResolvedVirtualService[];
  readonly destinationRules: readonly ResolvedDestinationRule[];
  readonly gateways: readonly Gateway[];
  readonly sidecars: readonly Sidecar[];
  readonly peerAuthentications: readonly PeerAuthentication[];
}
