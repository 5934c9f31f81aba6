// The immutable mesh snapshot: services, endpoints and config, with the per-proxy queries translation needs.
import type {
  ConfigMap,
  DestinationRule,
  EndpointSlice,
  Gateway,
  MeshResource,
  Node,
  PeerAuthentication,
  Pod,
  Secret,
  Service,
  ServiceEntry,
  Sidecar,
  VirtualService,
  WorkloadEntry,
} from '@mesh/api';
import {
  configOrder,
  pickDestinationRule,
  resolveDestinationRule,
  resolveVirtualService,
  type ConfigIndex,
  type ResolvedDestinationRule,
  type ResolvedVirtualService,
} from './config-store.ts';
import { hostMatches, isExportedTo, labelsMatch } from './hosts.ts';
import { endpointsFromPods, endpointsFromSlices, serviceFromKube, type PortEndpoints } from './kube-registry.ts';
import { resolveMeshConfig, type MeshConfig, type MeshConfigInput } from './mesh-config.ts';
import { meshConfigFromConfigMaps } from './mesh-config-source.ts';
import type { Proxy } from './proxy.ts';
import type { EndpointModel, ServiceModel, ServicePortModel } from './service.ts';
import { endpointsFromServiceEntry, servicesFromServiceEntry } from './serviceentry-registry.ts';
import { buildSidecarScope, egressAdmits, selectSidecar, type SidecarScope } from './sidecar-scope.ts';

/** A service port the proxy's workload serves (an inbound target). */
export interface ServiceInstance {
  readonly service: ServiceModel;
  readonly servicePort: ServicePortModel;
  /** The workload port (targetPort resolved). */
  readonly targetPort: number;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function freezeDeep<T>(list: T[]): readonly T[] {
  return Object.freeze(list);
}

/** The snapshot istiod shares between all proxies for one push. Never mutated after build. */
export class MeshSnapshot {
  readonly meshConfig: MeshConfig;
  /** Every service, sorted by hostname then namespace. */
  readonly services: readonly ServiceModel[];
  readonly config: ConfigIndex;
  readonly secrets: ReadonlyMap<string, Secret>;
  private readonly endpointIndex: ReadonlyMap<string, PortEndpoints>;
  // Derived indexes, built once: every proxy's generation reads them many times.
  private readonly servicesByHost = new Map<string, ServiceModel[]>();
  private readonly vsByGateway = new Map<string, ResolvedVirtualService[]>();
  private readonly drByNamespace = new Map<string, ResolvedDestinationRule[]>();
  private readonly instancesByIp = new Map<string, Array<{ service: ServiceModel; port: ServicePortModel; endpoint: EndpointModel }>>();

  /** Objects and mesh config fields that could not be used, with the reason. */
  readonly errors: readonly string[];

  constructor(
    meshConfig: MeshConfig,
    services: ServiceModel[],
    endpoints: Map<string, PortEndpoints>,
    config: ConfigIndex,
    secrets: Map<string, Secret>,
    errors: readonly string[] = [],
  ) {
    this.errors = Object.freeze([...errors]);
    this.meshConfig = Object.freeze(meshConfig);
    this.services = freezeDeep(services);
    this.endpointIndex = endpoints;
    this.config = Object.freeze(config);
    this.secrets = secrets;
    for (const s of services) {
      push(this.servicesByHost, s.hostname, s);
      for (const sp of s.ports) for (const e of endpoints.get(`${s.namespace}/${s.hostname}`)?.get(sp.port) ?? []) push(this.instancesByIp, e.address, { service: s, port: sp, endpoint: e });
    }
    for (const vs of config.virtualServices) for (const g of new Set(vs.gateways)) push(this.vsByGateway, g, vs);
    for (const dr of config.destinationRules) push(this.drByNamespace, dr.namespace, dr);
    Object.freeze(this);
  }

  /** Endpoints of `hostname` (in `namespace`) on a service port. */
  endpoints(service: ServiceModel, port: number): readonly EndpointModel[] {
    return this.endpointIndex.get(`${service.namespace}/${service.hostname}`)?.get(port) ?? [];
  }

  /** The service for a host as seen from `namespace` (own namespace first, then any exported one). */
  serviceByHost(hostname: string, namespace: string): ServiceModel | undefined {
    const candidates = (this.servicesByHost.get(hostname) ?? []).filter((s) => isExportedTo(s.exportTo, s.namespace, namespace));
    return candidates.find((s) => s.namespace === namespace) ?? candidates[0];
  }

  /** The Sidecar scope of a proxy (Sidecar resource, or the default all hosts of all namespaces). */
  sidecarScope(proxy: Proxy): SidecarScope {
    return buildSidecarScope(selectSidecar(this.config.sidecars, proxy, this.meshConfig.rootNamespace), proxy, this.meshConfig);
  }

  /** Services the proxy can see: exported to its namespace and admitted by its Sidecar egress hosts; one per hostname. */
  visibleServices(proxy: Proxy, scope = this.sidecarScope(proxy)): readonly ServiceModel[] {
    const byHost = new Map<string, ServiceModel>();
    for (const s of this.services) {
      if (!isExportedTo(s.exportTo, s.namespace, proxy.namespace)) continue;
      if (!scope.egress.some((e) => egressAdmits(e, s.namespace, s.hostname))) continue;
      const prev = byHost.get(s.hostname);
      // Same host in several namespaces: prefer the proxy's own namespace, else the first.
      if (!prev || (s.namespace === proxy.namespace && prev.namespace !== proxy.namespace)) byHost.set(s.hostname, s);
    }
    return [...byHost.values()];
  }

  /** VirtualServices attached to `gateway` (`mesh` or `ns/name`) that are visible from `namespace`. */
  virtualServicesFor(gateway: string, namespace: string): readonly ResolvedVirtualService[] {
    return (this.vsByGateway.get(gateway) ?? []).filter((vs) => gateway !== 'mesh' || isExportedTo(vs.resource.spec.exportTo, vs.namespace, namespace));
  }

  /** The first VirtualService for a host (exact host before wildcard), from a list already filtered by gateway. */
  virtualServiceForHost(list: readonly ResolvedVirtualService[], host: string): ResolvedVirtualService | undefined {
    return list.find((vs) => vs.hosts.includes(host)) ?? list.find((vs) => vs.hosts.some((h) => hostMatches(h, host)));
  }

  /** A VirtualService by namespace and name (delegate lookups). */
  virtualService(namespace: string, name: string): ResolvedVirtualService | undefined {
    return this.config.virtualServices.find((vs) => vs.namespace === namespace && vs.name === name);
  }

  /** The DestinationRule that applies to `service` for a proxy in `proxyNamespace`. */
  destinationRule(service: ServiceModel, proxyNamespace: string): ResolvedDestinationRule | undefined {
    const ns = [proxyNamespace, service.namespace, this.meshConfig.rootNamespace];
    const rules = [...new Set(ns)].flatMap((n) => this.drByNamespace.get(n) ?? []);
    return pickDestinationRule(rules, service.hostname, proxyNamespace, service.namespace, this.meshConfig.rootNamespace);
  }

  /** Gateways whose selector matches a router proxy's labels. */
  gatewaysFor(proxy: Proxy): readonly Gateway[] {
    return this.config.gateways.filter((g) => g.spec.selector && Object.keys(g.spec.selector).length > 0 && labelsMatch(g.spec.selector, proxy.labels));
  }

  /** The service ports the proxy's workload serves: endpoints on its IPs, or (before endpoints exist) selector matches in its namespace. */
  serviceInstances(proxy: Proxy): readonly ServiceInstance[] {
    const out: ServiceInstance[] = [];
    const seen = new Set<string>();
    const add = (service: ServiceModel, servicePort: ServicePortModel, targetPort: number): void => {
      const key = `${service.hostname}|${servicePort.port}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ service, servicePort, targetPort });
    };
    for (const ip of proxy.ipAddresses) {
      for (const i of this.instancesByIp.get(ip) ?? []) {
        if (i.service.registry === 'ServiceEntry' && i.service.meshExternal) continue;
        add(i.service, i.port, i.endpoint.port);
      }
    }
    // Before its endpoints are published, a workload still serves the services whose selector it matches.
    for (const s of this.services) {
      if (s.namespace !== proxy.namespace || !s.selector || Object.keys(s.selector).length === 0 || !labelsMatch(s.selector, proxy.labels)) continue;
      if (s.registry === 'ServiceEntry' && s.meshExternal) continue;
      for (const sp of s.ports) {
        const target = typeof sp.targetPort === 'number' ? sp.targetPort : sp.targetPort === undefined ? sp.port : undefined;
        if (target !== undefined) add(s, sp, target);
      }
    }
    return out.sort((a, b) => (a.service.hostname < b.service.hostname ? -1 : a.service.hostname > b.service.hostname ? 1 : a.servicePort.port - b.servicePort.port));
  }

  /** PeerAuthentication mTLS mode for a workload (workload selector, then namespace, then root); PERMISSIVE by default. */
  mtlsMode(namespace: string, labels: Readonly<Record<string, string>>, port?: number): 'STRICT' | 'PERMISSIVE' | 'DISABLE' {
    const pas = this.config.peerAuthentications;
    const pick = (ns: string, selectorWanted: boolean): PeerAuthentication | undefined =>
      pas.find(
        (p) =>
          (p.metadata.namespace ?? 'default') === ns &&
          (selectorWanted ? !!p.spec.selector?.matchLabels && labelsMatch(p.spec.selector.matchLabels, labels) : !p.spec.selector?.matchLabels),
      );
    for (const pa of [pick(namespace, true), pick(namespace, false), pick(this.meshConfig.rootNamespace, false)]) {
      if (!pa) continue;
      const portMode = port !== undefined ? pa.spec.portLevelMtls?.[String(port)]?.mode : undefined;
      const mode = portMode && portMode !== 'UNSET' ? portMode : pa.spec.mtls?.mode;
      if (mode && mode !== 'UNSET') return mode;
    }
    return 'PERMISSIVE';
  }
}

function byKind<K extends MeshResource['kind']>(objects: readonly MeshResource[], kind: K): Array<Extract<MeshResource, { kind: K }>> {
  return objects.filter((o): o is Extract<MeshResource, { kind: K }> => o.kind === kind);
}

/** Builds the snapshot from typed resources (any order). No I/O. */
export function buildSnapshot(objects: readonly MeshResource[], meshConfig: MeshConfigInput = {}): MeshSnapshot {
  // The `istio` ConfigMap supplies the mesh config; fields given explicitly by the caller win.
  const fromConfigMap = meshConfigFromConfigMaps(byKind(objects, 'ConfigMap') as ConfigMap[], meshConfig.rootNamespace ?? 'istio-system');
  const mesh = resolveMeshConfig({ ...fromConfigMap?.config, ...meshConfig });
  const services: ServiceModel[] = [];
  const endpoints = new Map<string, PortEndpoints>();
  const errors: string[] = [];
  const pods = byKind(objects, 'Pod') as Pod[];
  const podsByIp = new Map<string, Pod>();
  for (const p of pods) if (p.status?.podIP) podsByIp.set(p.status.podIP, p);
  const slices = byKind(objects, 'EndpointSlice') as EndpointSlice[];
  const nodes = new Map<string, Node>();
  for (const n of byKind(objects, 'Node') as Node[]) nodes.set(n.metadata.name, n);

  for (const svc of byKind(objects, 'Service') as Service[]) {
    guarded(errors, svc, () => {
      const model = serviceFromKube(svc, mesh.domainSuffix);
      const ns = svc.metadata.namespace ?? 'default';
      const own = slices.filter((s) => (s.metadata.namespace ?? 'default') === ns && s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
      const eps = own.length > 0 ? endpointsFromSlices(svc, own, podsByIp, nodes) : endpointsFromPods(svc, pods, nodes);
      services.push(model);
      endpoints.set(`${model.namespace}/${model.hostname}`, eps);
    });
  }
  const wes = byKind(objects, 'WorkloadEntry') as WorkloadEntry[];
  for (const se of (byKind(objects, 'ServiceEntry') as ServiceEntry[]).sort(configOrder)) {
    guarded(errors, se, () => {
      for (const model of servicesFromServiceEntry(se)) {
        const key = `${model.namespace}/${model.hostname}`;
        if (endpoints.has(key)) continue; // first ServiceEntry for a host in a namespace wins
        const eps = endpointsFromServiceEntry(se, model.hostname, wes, pods);
        services.push(model);
        endpoints.set(key, eps);
      }
    });
  }
  services.sort((a, b) => (a.hostname === b.hostname ? (a.namespace < b.namespace ? -1 : 1) : a.hostname < b.hostname ? -1 : 1));

  const config: ConfigIndex = {
    virtualServices: (byKind(objects, 'VirtualService') as VirtualService[])
      .sort(configOrder)
      .flatMap((vs) => guarded(errors, vs, () => [resolveVirtualService(vs, mesh.domainSuffix)]) ?? []),
    destinationRules: (byKind(objects, 'DestinationRule') as DestinationRule[])
      .sort(configOrder)
      .flatMap((dr) => guarded(errors, dr, () => [resolveDestinationRule(dr, mesh.domainSuffix)]) ?? []),
    gateways: (byKind(objects, 'Gateway') as Gateway[]).sort(configOrder),
    sidecars: (byKind(objects, 'Sidecar') as Sidecar[]).sort(configOrder),
    peerAuthentications: (byKind(objects, 'PeerAuthentication') as PeerAuthentication[]).sort(configOrder),
  };
  const secrets = new Map<string, Secret>();
  for (const s of byKind(objects, 'Secret') as Secret[]) secrets.set(`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s);
  return new MeshSnapshot(mesh, services, endpoints, config, secrets, [...(fromConfigMap?.errors ?? []), ...errors]);
}

/** Runs one object's conversion; a malformed object (wrong field types) is skipped and reported, not fatal. */
function guarded<T>(errors: string[], obj: MeshResource, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    errors.push(`${obj.kind} ${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}: malformed, skipped (${err.message})`);
    return undefined;
  }
}

