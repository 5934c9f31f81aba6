// Which source changes can alter what istiod sends over xDS. ConfigMaps are watched for the mesh config, but most
// ConfigMaps (istio-ca-root-cert, which istiod itself writes into every namespace, the injector's templates, app
// data) cannot change any proxy's config: pushing for them only delays the pushes that matter.
import type { Change } from '@mesh/kube';
import { TypeUrl } from '@mesh/xds';

/** The mesh config ConfigMap's name (upstream: `istio`, or `istio-<revision>` for a revision). */
export const defaultMeshConfigMapName = 'istio';

/** True when the change may alter generated xDS config and so should trigger a (debounced) push. */
export function affectsXds(change: Change, meshConfigMapName = defaultMeshConfigMapName): boolean {
  if (change.object.kind === 'ConfigMap') return change.object.metadata.name === meshConfigMapName;
  return true;
}

/** Kinds whose changes only move endpoints (EDS push, no CDS/LDS/RDS regeneration needed). */
export const endpointKinds: ReadonlySet<string> = new Set(['EndpointSlice', 'Endpoints']);

const { Cluster: cds, ClusterLoadAssignment: eds, Listener: lds, RouteConfiguration: rds, Secret: sds } = TypeUrl;

/**
 * The xDS types a change of each kind can alter, for kinds that do not alter them all. VirtualServices feed
 * listeners (TCP/TLS routes) and routes only; Gateways feed a router's listeners, routes and SDS credentials.
 * Clusters and EDS are built from services, endpoints, DestinationRules, Sidecars and the mesh config, never these.
 */
const typesByKind: Readonly<Record<string, readonly string[]>> = {
  EndpointSlice: [eds],
  Endpoints: [eds],
  VirtualService: [lds, rds],
  Gateway: [lds, rds, sds],
};

/** Kinds that cannot change any cluster or EDS resource (their outbound clusters may be reused across versions). */
const clusterNeutralKinds: ReadonlySet<string> = new Set(['VirtualService', 'Gateway']);

/** True when none of `changes` can alter clusters or endpoints. */
export function clustersUnaffected(changes: readonly Change[]): boolean {
  return changes.length > 0 && changes.every((c) => clusterNeutralKinds.has(c.object.kind));
}

/** The types a push for `changes` must consider, or undefined for all of them. */
export function pushTypesFor(changes: readonly Change[]): string[] | undefined {
  const types = new Set<string>();
  for (const c of changes) {
    const kindTypes = typesByKind[c.object.kind];
    if (kindTypes === undefined) return undefined;
    for (const t of kindTypes) types.add(t);
  }
  return types.size === 0 ? undefined : [cds, eds, lds, rds, sds].filter((t) => types.has(t));
}
