// The resources istiod watches, with their API paths. Istio kinds are read at networking.istio.io/v1 etc.

export interface WatchedKind {
  apiVersion: string;
  kind: string;
  /** Collection path for list/watch, e.g. /api/v1/services. */
  path: string;
}

const core = (kind: string, plural: string): WatchedKind => ({ apiVersion: 'v1', kind, path: `/api/v1/${plural}` });
const grouped = (group: string, version: string, kind: string, plural: string): WatchedKind => ({
  apiVersion: `${group}/${version}`,
  kind,
  path: `/apis/${group}/${version}/${plural}`,
});

export const watchedKinds: readonly WatchedKind[] = [
  core('Namespace', 'namespaces'),
  core('Service', 'services'),
  core('Pod', 'pods'),
  core('ConfigMap', 'configmaps'),
  core('Secret', 'secrets'),
  grouped('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  grouped('networking.istio.io', 'v1', 'VirtualService', 'virtualservices'),
  grouped('networking.istio.io', 'v1', 'DestinationRule', 'destinationrules'),
  grouped('networking.istio.io', 'v1', 'Gateway', 'gateways'),
  grouped('networking.istio.io', 'v1', 'ServiceEntry', 'serviceentries'),
  grouped('networking.istio.io', 'v1', 'WorkloadEntry', 'workloadentries'),
  grouped('networking.istio.io', 'v1', 'Sidecar', 'sidecars'),
  grouped('security.istio.io', 'v1', 'PeerAuthentication', 'peerauthentications'),
];
