// Kubernetes Services → ServiceModel; EndpointSlices (or, when a service has none, the Pods its selector matches)
// → endpoints per service port.
import type { EndpointSlice, Node, Pod, Service, ServicePort } from '@mesh/api';
import { labelsMatch } from './hosts.ts';
import { kubePortProtocol } from './protocol.ts';
import { emptyLocality, parseLocality, type EndpointModel, type HealthStatus, type Locality, type ServiceModel } from './service.ts';

/** Endpoints of one service: by service port number. */
export type PortEndpoints = Map<number, EndpointModel[]>;

const exportToAnnotation = 'networking.istio.io/exportTo';

/** Converts a Kubernetes Service (ExternalName is treated as a DNS service). */
export function serviceFromKube(svc: Service, domainSuffix: string): ServiceModel {
  const ns = svc.metadata.namespace ?? 'default';
  const clusterIPs = svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : []);
  const vips = clusterIPs.filter((ip) => ip !== 'None' && ip !== '');
  // Only `clusterIP: None` makes a Service headless, as upstream; a missing clusterIP (a file-source Service the
  // apiserver never saw) is still load balanced by the client.
  const headless = clusterIPs.includes('None');
  const exportTo = svc.metadata.annotations?.[exportToAnnotation]?.split(',').map((s) => s.trim()).filter(Boolean) ?? ['*'];
  const external = svc.spec.type === 'ExternalName';
  return {
    hostname: `${svc.metadata.name}.${ns}.svc.${domainSuffix}`,
    name: svc.metadata.name,
    namespace: ns,
    address: vips[0] ?? '0.0.0.0',
    addresses: vips,
    ports: (svc.spec.ports ?? []).map((p, i) => ({
      name: p.name ?? (i === 0 ? '' : `port-${p.port}`),
      port: p.port,
      protocol: kubePortProtocol(p),
      ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
    })),
    labels: svc.metadata.labels ?? {},
    ...(svc.spec.selector ? { selector: svc.spec.selector } : {}),
    exportTo: exportTo.map((e) => (e === '.' ? ns : e)),
    registry: 'Kubernetes',
    resolution: external ? 'DNSLB' : headless ? 'Passthrough' : 'ClientSideLB',
    meshExternal: false,
    headless,
    serviceAccounts: [],
  };
}

/** Locality: the pod's `istio-locality` label, else its node's topology labels (region, zone; subzone from Istio's label). */
function podLocality(pod: Pod | undefined, zone: string | undefined, node?: Node): Locality {
  const labels = pod?.metadata.labels ?? {};
  const explicit = labels['istio-locality'];
  if (explicit) return parseLocality(explicit.replaceAll('.', '/'));
  const nodeLabels = node?.metadata.labels ?? {};
  const region = nodeLabels['topology.kubernetes.io/region'] ?? labels['topology.kubernetes.io/region'] ?? '';
  const z = zone ?? nodeLabels['topology.kubernetes.io/zone'] ?? labels['topology.kubernetes.io/zone'] ?? '';
  const subzone = nodeLabels['topology.istio.io/subzone'] ?? labels['topology.istio.io/subzone'] ?? '';
  return region || z || subzone ? { region, zone: z, subzone } : emptyLocality;
}

function podTlsMode(pod: Pod | undefined): 'istio' | 'disabled' {
  if (!pod) return 'disabled';
  const label = pod.metadata.labels?.['security.istio.io/tlsMode'];
  if (label) return label === 'istio' ? 'istio' : 'disabled';
  return pod.metadata.annotations?.['sidecar.istio.io/status'] ? 'istio' : 'disabled';
}

function workloadName(pod: Pod | undefined): string {
  if (!pod) return '';
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (owner?.kind === 'ReplicaSet') {
    const hash = pod.metadata.labels?.['pod-template-hash'];
    return hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name;
  }
  return owner?.name ?? pod.metadata.name;
}

function podReady(pod: Pod): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return ready ? ready.status === 'True' : pod.status?.phase === undefined || pod.status.phase === 'Running';
}

/** Resolves a Service port's targetPort against a pod's named container ports. */
function targetPortFor(sp: ServicePort, pod: Pod): number | undefined {
  const t = sp.targetPort ?? sp.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === t) return p.containerPort;
  return undefined;
}

function endpointOf(address: string, port: number, portName: string, pod: Pod | undefined, ns: string, health: HealthStatus, zone?: string, node?: Node): EndpointModel {
  return {
    address,
    port,
    servicePortName: portName,
    labels: pod?.metadata.labels ?? {},
    namespace: ns,
    serviceAccount: pod?.spec?.serviceAccountName ?? (pod ? 'default' : ''),
    workloadName: workloadName(pod),
    locality: podLocality(pod, zone, node),
    health,
    tlsMode: podTlsMode(pod),
    weight: 1,
    network: pod?.metadata.labels?.['topology.istio.io/network'] ?? '',
  };
}

/** Endpoints from the EndpointSlices labelled for `svc`. Not-ready endpoints are UNHEALTHY, terminating-but-serving DRAINING. */
export function endpointsFromSlices(
  svc: Service,
  slices: readonly EndpointSlice[],
  podsByIp: ReadonlyMap<string, Pod>,
  nodes: ReadonlyMap<string, Node> = new Map(),
): PortEndpoints {
  const ns = svc.metadata.namespace ?? 'default';
  const out: PortEndpoints = new Map();
  for (const sp of svc.spec.ports ?? []) {
    const list: EndpointModel[] = [];
    for (const slice of slices) {
      if (slice.addressType === 'FQDN') continue;
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? ''));
      if (!slicePort?.port) continue;
      for (const ep of slice.endpoints ?? []) {
        const c = ep.conditions ?? {};
        const health: HealthStatus = c.ready !== false ? 'HEALTHY' : c.terminating && c.serving ? 'DRAINING' : 'UNHEALTHY';
        for (const address of ep.addresses) {
          const pod = podsByIp.get(address);
          const nodeName = ep.nodeName ?? pod?.spec?.nodeName;
          list.push(endpointOf(address, slicePort.port, sp.name ?? '', pod, ns, health, ep.zone, nodeName ? nodes.get(nodeName) : undefined));
        }
      }
    }
    out.set(sp.port, list);
  }
  return out;
}

/** Endpoints from the service's namespace Pods its selector matches (local mode without EndpointSlices). */
export function endpointsFromPods(svc: Service, pods: readonly Pod[], nodes: ReadonlyMap<string, Node> = new Map()): PortEndpoints {
  const ns = svc.metadata.namespace ?? 'default';
  const out: PortEndpoints = new Map();
  const selector = svc.spec.selector;
  for (const sp of svc.spec.ports ?? []) {
    const list: EndpointModel[] = [];
    if (selector && Object.keys(selector).length > 0) {
      for (const pod of pods) {
        if ((pod.metadata.namespace ?? 'default') !== ns || !labelsMatch(selector, pod.metadata.labels ?? {})) continue;
        const ip = pod.status?.podIP;
        const port = targetPortFor(sp, pod);
        if (!ip || port === undefined || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
        const node = pod.spec?.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
        list.push(endpointOf(ip, port, sp.name ?? '', pod, ns, podReady(pod) ? 'HEALTHY' : 'UNHEALTHY', undefined, node));
      }
    }
    out.set(sp.port, list);
  }
  return out;
}
