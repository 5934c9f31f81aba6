// The injector's default configuration: the subset of the istiod chart values that the injection
// template reads (same names and defaults as the chart), the default mesh config and the selection config.
// istioctl kube-inject uses these when no cluster is reachable.
import type { JsonObject } from './go-yaml.ts';

/** Injector settings: chart values, mesh config and the sidecar-injector ConfigMap `config` fields. */
export interface InjectConfig {
  /** Helm values as istiod sees them (`global`, `sidecarInjectorWebhook`, `pilot`, `revision`). */
  values: JsonObject;
  /** MeshConfig (`defaultConfig` is the ProxyConfig every proxy starts from). */
  mesh: JsonObject;
  /** Injection policy: `enabled` (default) or `disabled`. */
  policy: string;
  /** Templates applied when the pod names none (`inject.istio.io/templates`). */
  defaultTemplates: string[];
  /** Template aliases, e.g. `{ "istio": ["sidecar"] }`. */
  aliases: Record<string, string[]>;
  /** Label selectors (matchLabels/matchExpressions) that force or forbid injection. */
  neverInjectSelector: JsonObject[];
  alwaysInjectSelector: JsonObject[];
  /** Extra annotations added to every injected pod. */
  injectedAnnotations: Record<string, string>;
  /** Whether the cluster's nodes support native sidecars (Kubernetes ≥ 1.33). */
  nativeSidecars: boolean;
  /** Compliance policy (`fips-140-3` adds env to the proxy), empty when unset. */
  compliancePolicy: string;
  /** OpenShift: take the proxy UID/GID from the namespace's SCC annotations. */
  openshift: boolean;
}

/** The chart's default values, limited to what injection reads. */
export function defaultValues(): JsonObject {
  return {
    revision: '',
    global: {
      hub: 'registry.istio.io/testing',
      tag: 'latest',
      variant: '',
      imagePullPolicy: '',
      imagePullSecrets: [],
      istioNamespace: 'istio-system',
      logAsJson: false,
      nativeNftables: false,
      logging: { level: 'default:info' },
      proxy: {
        image: 'proxyv2',
        autoInject: 'enabled',
        clusterDomain: 'cluster.local',
        componentLogLevel: 'misc:error',
        excludeInboundPorts: '',
        includeInboundPorts: '*',
        includeIPRanges: '*',
        excludeIPRanges: '',
        includeOutboundPorts: '',
        excludeOutboundPorts: '',
        logLevel: 'warning',
        outlierLogPath: '',
        privileged: false,
        seccompProfile: {},
        readinessFailureThreshold: 4,
        readinessInitialDelaySeconds: 0,
        readinessPeriodSeconds: 15,
        startupProbe: { enabled: true, failureThreshold: 600 },
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
        statusPort: 15020,
        tracer: 'none',
      },
      proxy_init: { image: 'proxyv2', forceApplyIptables: false },
      caAddress: '',
      meshID: '',
      mountMtlsCerts: false,
      multiCluster: { clusterName: '' },
      network: '',
      pilotCertProvider: 'istiod',
      sds: { token: { aud: 'istio-ca' } },
      sts: { servicePort: 0 },
      caName: '',
      trustDomain: '',
    },
    pilot: { cni: { enabled: false, provider: 'default' }, env: {} },
    sidecarInjectorWebhook: {
      neverInjectSelector: [],
      alwaysInjectSelector: [],
      injectedAnnotations: {},
      enableNamespacesByDefault: false,
      reinvocationPolicy: 'Never',
      rewriteAppHTTPProbe: true,
      templates: {},
      defaultTemplates: [],
    },
    gateways: { securityContext: {}, seccompProfile: {} },
  };
}

/** The default mesh config as the chart renders it; `defaultConfig` holds only what was set explicitly. */
export function defaultMeshConfig(): JsonObject {
  return {
    defaultConfig: {},
    trustDomain: 'cluster.local',
    enablePrometheusMerge: true,
    proxyListenPort: 15001,
    proxyInboundListenPort: 15006,
  };
}

/** A complete default injector configuration (a fresh copy each call). */
export function defaultInjectConfig(): InjectConfig {
  return {
    values: defaultValues(),
    mesh: defaultMeshConfig(),
    policy: 'enabled',
    defaultTemplates: ['sidecar'],
    aliases: {},
    neverInjectSelector: [],
    alwaysInjectSelector: [],
    injectedAnnotations: {},
    nativeSidecars: true,
    compliancePolicy: '',
    openshift: false,
  };
}
