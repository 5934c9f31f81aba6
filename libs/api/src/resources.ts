// The union of typed resources the loader returns, discriminated by `kind`.
import type { ConfigMap, EndpointSlice, Namespace, Node, Pod, Secret, Service } from './kube-types.ts';
import type { Resource } from './meta.ts';
import type {
  DestinationRule,
  Gateway,
  PeerAuthentication,
  ServiceEntry,
  Sidecar,
  VirtualService,
  WorkloadEntry,
} from './networking-types.ts';

/** A known kind whose spec this project does not model (kept so callers can pass it through). */
export interface OtherResource extends Resource {
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Every typed resource the model understands. */
export type MeshResource =
  | VirtualService
  | DestinationRule
  | Gateway
  | ServiceEntry
  | WorkloadEntry
  | Sidecar
  | PeerAuthentication
  | Service
  | EndpointSlice
  | Pod
  | Namespace
  | Node
  | ConfigMap
  | Secret;

/** The kinds of MeshResource, for narrowing. */
export const meshResourceKinds: ReadonlySet<string> = new Set([
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'ServiceEntry',
  'WorkloadEntry',
  'Sidecar',
  'PeerAuthentication',
  'Service',
  'EndpointSlice',
  'Pod',
  'Namespace',
  'Node',
  'ConfigMap',
  'Secret',
]);

/** `namespace/name` (or just name for cluster-scoped objects) — the usual display key. */
export function resourceKey(r: Resource): string {
  return r.metadata.namespace ? `${r.metadata.namespace}/${r.metadata.name}` : r.metadata.name;
}
