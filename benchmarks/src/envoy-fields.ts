// The handful of Envoy resource fields a sidecar-like client needs to follow references, read from wire bytes.
// Field numbers are those of envoy-api v3 (cluster.proto, listener.proto, listener_components.proto,
// http_connection_manager.proto, endpoint.proto, route.proto).
import { bytesFields, stringField, varintField } from './proto-scan.ts';

const hcmType = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const clusterEds = 3; // Cluster.DiscoveryType.EDS

/** Name of a Cluster (field 1) and whether it gets its endpoints over EDS (type = 2 is EDS). */
export function clusterInfo(cluster: Uint8Array): { name: string; eds: boolean } {
  return { name: stringField(cluster, 1), eds: varintField(cluster, 2) === clusterEds };
}

/** Name of a Listener (field 1). */
export function listenerName(listener: Uint8Array): string {
  return stringField(listener, 1);
}

/** RDS route names a Listener refers to: filter_chains (3) and default_filter_chain (25) → filters (3) →
 * typed_config (4, an HttpConnectionManager Any) → rds (3) → route_config_name (2). */
export function listenerRouteNames(listener: Uint8Array): string[] {
  const names: string[] = [];
  for (const chain of [...bytesFields(listener, 3), ...bytesFields(listener, 25)]) {
    for (const filter of bytesFields(chain, 3)) {
      const any = bytesFields(filter, 4)[0];
      if (!any || stringField(any, 1) !== hcmType) continue;
      const hcm = bytesFields(any, 2)[0];
      const rds = hcm && bytesFields(hcm, 3)[0];
      const name = rds && stringField(rds, 2);
      if (name) names.push(name);
    }
  }
  return names;
}

/** Name of a RouteConfiguration (field 1). */
export function routeName(route: Uint8Array): string {
  return stringField(route, 1);
}

/** cluster_name of a ClusterLoadAssignment (field 1). */
export function loadAssignmentName(cla: Uint8Array): string {
  return stringField(cla, 1);
}
