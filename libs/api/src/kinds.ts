// The kind registry: every resource kind istiod reads, with its API group, versions, plural and scope.
// Mirrors upstream's pkg/config/schema/metadata.yaml and the CRD short names.

/** One resource kind as the API server serves it. */
export interface KindInfo {
  readonly kind: string;
  /** API group; '' for the core group. */
  readonly group: string;
  /** Storage/preferred version first, then served aliases. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** True for Kubernetes built-in kinds (no CRD). */
  readonly builtin: boolean;
}

const NET = 'networking.istio.io';
const SEC = 'security.istio.io';
const netVersions = ['v1', 'v1alpha3', 'v1beta1'] as const;

function kind(
  kind: string,
  group: string,
  versions: readonly string[],
  plural: string,
  opts: { namespaced?: boolean; shortNames?: readonly string[]; builtin?: boolean } = {},
): KindInfo {
  return {
    kind,
    group,
    versions,
    plural,
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    builtin: opts.builtin ?? false,
  };
}

/** Every kind this project understands. */
export const kinds: readonly KindInfo[] = [
  kind('VirtualService', NET, netVersions, 'virtualservices', { shortNames: ['vs'] }),
  kind('DestinationRule', NET, netVersions, 'destinationrules', { shortNames: ['dr'] }),
  kind('Gateway', NET, netVersions, 'gateways', { shortNames: ['gw'] }),
  kind('ServiceEntry', NET, netVersions, 'serviceentries', { shortNames: ['se'] }),
  kind('WorkloadEntry', NET, netVersions, 'workloadentries', { shortNames: ['we'] }),
  kind('WorkloadGroup', NET, netVersions, 'workloadgroups', { shortNames: ['wg'] }),
  kind('Sidecar', NET, netVersions, 'sidecars'),
  kind('EnvoyFilter', NET, ['v1alpha3'], 'envoyfilters'),
  kind('ProxyConfig', NET, ['v1beta1'], 'proxyconfigs'),
  kind('PeerAuthentication', SEC, ['v1', 'v1beta1'], 'peerauthentications', { shortNames: ['pa'] }),
  kind('AuthorizationPolicy', SEC, ['v1', 'v1beta1'], 'authorizationpolicies', { shortNames: ['ap'] }),
  kind('RequestAuthentication', SEC, ['v1', 'v1beta1'], 'requestauthentications', { shortNames: ['ra'] }),
  kind('Telemetry', 'telemetry.istio.io', ['v1', 'v1alpha1'], 'telemetries', { shortNames: ['telemetry'] }),
  kind('WasmPlugin', 'extensions.istio.io', ['v1alpha1'], 'wasmplugins'),
  kind('Namespace', '', ['v1'], 'namespaces', { namespaced: false, shortNames: ['ns'], builtin: true }),
  kind('Service', '', ['v1'], 'services', { shortNames: ['svc'], builtin: true }),
  kind('Endpoints', '', ['v1'], 'endpoints', { shortNames: ['ep'], builtin: true }),
  kind('EndpointSlice', 'discovery.k8s.io', ['v1'], 'endpointslices', { builtin: true }),
  kind('Pod', '', ['v1'], 'pods', { shortNames: ['po'], builtin: true }),
  kind('Node', '', ['v1'], 'nodes', { namespaced: false, shortNames: ['no'], builtin: true }),
  kind('ConfigMap', '', ['v1'], 'configmaps', { shortNames: ['cm'], builtin: true }),
  kind('Secret', '', ['v1'], 'secrets', { builtin: true }),
  kind('ServiceAccount', '', ['v1'], 'serviceaccounts', { shortNames: ['sa'], builtin: true }),
  kind('Deployment', 'apps', ['v1'], 'deployments', { shortNames: ['deploy'], builtin: true }),
];

/** apiVersion string (`group/version`, or `version` for the core group). */
export function apiVersionOf(info: KindInfo, version = info.versions[0] ?? 'v1'): string {
  return info.group === '' ? version : `${info.group}/${version}`;
}

/** Finds the kind for an apiVersion + kind pair; undefined when unknown or the version is not served. */
export function lookupKind(apiVersion: string, kindName: string): KindInfo | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return kinds.find((k) => k.kind === kindName && k.group === group && k.versions.includes(version));
}

/** Finds a kind by kind name, plural or short name (case-insensitive), as kubectl/istioctl accept them. */
export function findKindByName(name: string): KindInfo | undefined {
  const n = name.toLowerCase();
  return kinds.find((k) => k.kind.toLowerCase() === n || k.plural === n || k.shortNames.includes(n));
}
