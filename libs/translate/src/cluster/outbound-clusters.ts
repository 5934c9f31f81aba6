// Outbound clusters: `outbound|<port>|<subset>|<host>` for every visible service port and DestinationRule subset,
// plus their ClusterLoadAssignments (EDS) — DNS clusters carry their endpoints inline.
import type { DestinationRule } from '@mesh/api';
import { isHttp2, type ServiceModel, type ServicePortModel } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { buildLoadAssignment } from '../endpoint/load-assignment.ts';
import { ConfigError } from '../util/config-error.ts';
import { durationOr } from '../util/duration.ts';
import { adsConfigSource } from '../util/envoy.ts';
import { outboundClusterName } from '../util/names.ts';
import { applyClusterTls, serviceSans } from './cluster-tls.ts';
import { applyConnectionPool, applyLoadBalancer, applyOutlierDetection, mergeTrafficPolicy } from './traffic-policy.ts';

export interface ClustersAndEndpoints {
  readonly clusters: EnvoyJson[];
  readonly endpoints: EnvoyJson[];
}

function clusterType(service: ServiceModel): string {
  switch (service.resolution) {
    case 'DNSLB':
      return 'STRICT_DNS';
    case 'DNSRoundRobinLB':
      return 'LOGICAL_DNS';
    case 'Passthrough':
      return 'ORIGINAL_DST';
    default:
      return 'EDS';
  }
}

function buildOne(ctx: ProxyContext, service: ServiceModel, port: ServicePortModel, subset: string, dr: DestinationRule | undefined, out: { clusters: EnvoyJson[]; endpoints: EnvoyJson[] }): void {
  const name = outboundClusterName(port.port, subset, service.hostname);
  const subsetSpec = subset ? dr?.spec.subsets?.find((s) => s.name === subset) : undefined;
  const policy = mergeTrafficPolicy(dr?.spec.trafficPolicy, subsetSpec?.trafficPolicy, port.port);
  const type = clusterType(service);
  const mesh = ctx.snapshot.meshConfig;
  const cluster: EnvoyJson = { name, type, connect_timeout: durationOr(mesh.connectTimeout, '10s') };
  if (type === 'EDS') cluster['eds_cluster_config'] = { eds_config: adsConfigSource(), service_name: name };
  applyLoadBalancer(cluster, policy.loadBalancer);
  if (cluster['type'] === 'ORIGINAL_DST') cluster['lb_policy'] = 'CLUSTER_PROVIDED';
  const http2 = isHttp2(port.protocol);
  applyConnectionPool(cluster, policy.connectionPool, http2);
  applyOutlierDetection(cluster, policy.outlierDetection);
  const endpoints = ctx.snapshot.endpoints(service, port.port);
  // Locality LB needs the proxy's locality and must not be disabled (mesh-wide or by the rule); `distribute` applies
  // on its own, failover only with outlier detection (upstream ApplyLocalityLoadBalancer).
  const localityLb = policy.loadBalancer?.localityLbSetting;
  const localityOn = mesh.localityLbSetting.enabled && localityLb?.enabled !== false && ctx.proxy.locality.region !== '';
  const failover = localityOn && policy.outlierDetection !== undefined;
  const distribute = localityOn && (localityLb?.distribute?.length ?? 0) > 0;
  if (failover || distribute) {
    const common = (cluster['common_lb_config'] as EnvoyJson | undefined) ?? {};
    common['locality_weighted_lb_config'] = {};
    cluster['common_lb_config'] = common;
  }
  const assignment = buildLoadAssignment(name, endpoints, {
    ...(subsetSpec?.labels ? { subsetLabels: subsetSpec.labels } : {}),
    ...(localityOn ? { proxyLocality: ctx.proxy.locality, failover } : {}),
    ...(localityLb ? { localityLb } : {}),
  });
  if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
    cluster['load_assignment'] = assignment;
    cluster['dns_refresh_rate'] = durationOr(mesh.dnsRefreshRate, '60s');
    cluster['respect_dns_ttl'] = true;
    cluster['dns_lookup_family'] = 'V4_ONLY';
  } else if (type === 'EDS' && cluster['type'] === 'EDS') {
    out.endpoints.push(assignment);
  }
  cluster['metadata'] = {
    filter_metadata: {
      istio: {
        ...(dr ? { config: `/apis/networking.istio.io/v1/namespaces/${dr.metadata.namespace ?? 'default'}/destination-rule/${dr.metadata.name}` } : {}),
        ...(subset ? { subset } : {}),
        services: [{ host: service.hostname, name: service.name, namespace: service.namespace }],
        default_original_port: port.port,
      },
    },
  };
  const sans = serviceSans(service, endpoints.map((e) => e.serviceAccount), mesh.trustDomain);
  applyClusterTls(cluster, { tls: policy.tls, autoMtls: mesh.enableAutoMtls, port: port.port, subset, service, sans, http2 });
  out.clusters.push(cluster);
}

interface BuiltCluster {
  readonly clusters: EnvoyJson[];
  readonly endpoints: EnvoyJson[];
  readonly errors: string[];
}

// A cluster is a function of (snapshot, service, port, subset, DestinationRule, proxy locality) only, so proxies
// and sidecar groups that differ in anything else (namespace without its own rule, Sidecar scope...) share the
// built objects: istiod then interns and encodes each distinct cluster once instead of once per group.
const builtBySnapshot = new WeakMap<object, WeakMap<ServiceModel, Map<string, BuiltCluster>>>();
const ruleIds = new WeakMap<DestinationRule, number>();
let nextRuleId = 0;

function ruleId(dr: DestinationRule | undefined): number {
  if (dr === undefined) return -1;
  let id = ruleIds.get(dr);
  if (id === undefined) {
    id = nextRuleId++;
    ruleIds.set(dr, id);
  }
  return id;
}

function builtFor(ctx: ProxyContext, service: ServiceModel): Map<string, BuiltCluster> {
  let byService = builtBySnapshot.get(ctx.snapshot);
  if (byService === undefined) {
    byService = new WeakMap();
    builtBySnapshot.set(ctx.snapshot, byService);
  }
  let built = byService.get(service);
  if (built === undefined) {
    built = new Map();
    byService.set(service, built);
  }
  return built;
}

/** buildGuarded, memoized per snapshot on everything a cluster depends on. */
function buildShared(ctx: ProxyContext, service: ServiceModel, port: ServicePortModel, subset: string, dr: DestinationRule | undefined, out: { clusters: EnvoyJson[]; endpoints: EnvoyJson[] }): void {
  const built = builtFor(ctx, service);
  const loc = ctx.proxy.locality;
  const key = `${port.port}|${subset}|${ruleId(dr)}|${loc.region}/${loc.zone}/${loc.subzone}`;
  let result = built.get(key);
  if (result === undefined) {
    result = { clusters: [], endpoints: [], errors: [] };
    const errorsBefore = ctx.errors.length;
    buildGuarded(ctx, service, port, subset, dr, result);
    result.errors.push(...ctx.errors.splice(errorsBefore));
    built.set(key, result);
  }
  out.clusters.push(...result.clusters);
  out.endpoints.push(...result.endpoints);
  ctx.errors.push(...result.errors);
}

/** Builds one cluster; an invalid DestinationRule value drops the rule for that cluster and is reported. */
function buildGuarded(ctx: ProxyContext, service: ServiceModel, port: ServicePortModel, subset: string, dr: DestinationRule | undefined, out: { clusters: EnvoyJson[]; endpoints: EnvoyJson[] }): void {
  try {
    buildOne(ctx, service, port, subset, dr, out);
  } catch (err) {
    if (!(err instanceof ConfigError) || !dr) throw err;
    ctx.errors.push(`DestinationRule ${dr.metadata.namespace ?? 'default'}/${dr.metadata.name} (${outboundClusterName(port.port, subset, service.hostname)}): ${err.message}`);
    if (!subset) buildOne(ctx, service, port, '', undefined, out);
  }
}

/** All outbound clusters (and EDS assignments) for the services the proxy sees. */
export function buildOutboundClusters(ctx: ProxyContext): ClustersAndEndpoints {
  const out = { clusters: [] as EnvoyJson[], endpoints: [] as EnvoyJson[] };
  for (const service of ctx.services) {
    const dr = ctx.snapshot.destinationRule(service, ctx.proxy.namespace)?.resource;
    for (const port of service.ports) {
      if (port.protocol === 'UDP' || !ctx.portVisible(service, port.port)) continue;
      buildShared(ctx, service, port, '', dr, out);
      for (const subset of dr?.spec.subsets ?? []) buildShared(ctx, service, port, subset.name, dr, out);
    }
  }
  return out;
}
