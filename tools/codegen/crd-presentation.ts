// What kubectl shows for each Istio kind and which version etcd stores: presentation details of upstream's CRDs
// (manifests/charts/base/files/crd-all.gen.yaml) that the kind registry in libs/api does not carry.
import type { KindInfo } from '../../libs/api/src/index.ts';

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'date';
  readonly jsonPath: string;
  readonly description: string;
}

const AGE: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC. Populated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/api-conventions.md#metadata',
};

function col(name: string, jsonPath: string, description: string): PrinterColumn {
  return { name, type: 'string', jsonPath, description };
}

/** Printer columns per kind, in upstream's order; kinds not listed have none. */
export const printerColumns: Readonly<Record<string, readonly PrinterColumn[]>> = {
  TrafficExtension: [AGE],
  WasmPlugin: [AGE],
  DestinationRule: [col('Host', '.spec.host', 'The name of a service from the service registry'), AGE],
  ServiceEntry: [
    col('Hosts', '.spec.hosts', 'The hosts associated with the ServiceEntry'),
    col('Location', '.spec.location', 'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)'),
    col('Resolution', '.spec.resolution', 'Service resolution mode for the hosts (NONE, STATIC, or DNS)'),
    AGE,
  ],
  VirtualService: [
    col('Gateways', '.spec.gateways', 'The names of gateways and sidecars that should apply these routes'),
    col('Hosts', '.spec.hosts', 'The destination hosts to which traffic is being sent'),
    AGE,
  ],
  WorkloadEntry: [AGE, col('Address', '.spec.address', 'Address associated with the network endpoint.')],
  WorkloadGroup: [AGE],
  AuthorizationPolicy: [col('Action', '.spec.action', 'The operation to take.'), AGE],
  PeerAuthentication: [col('Mode', '.spec.mtls.mode', 'Defines the mTLS mode used for peer authentication.'), AGE],
  Telemetry: [AGE],
};

/**
 * Storage versions that differ from the registry's preferred (first) version: Telemetry is served as v1 but still
 * stored as v1alpha1 upstream, and existing clusters' etcd data must stay readable.
 */
export const storageVersionOverrides: Readonly<Record<string, string>> = { Telemetry: 'v1alpha1' };

/**
 * Istio kinds upstream ships a CRD for that libs/api's registry does not list yet. Kept here (not silently dropped)
 * so the base chart installs every upstream CRD; remove an entry once the registry has the kind.
 */
export const kindsMissingFromRegistry: readonly KindInfo[] = [
  {
    kind: 'TrafficExtension',
    group: 'extensions.istio.io',
    versions: ['v1alpha1'],
    plural: 'trafficextensions',
    namespaced: true,
    shortNames: [],
    builtin: false,
  },
];
