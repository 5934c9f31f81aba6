// ServiceEntry → one ServiceModel per host; endpoints from inline `endpoints`, from WorkloadEntries (and Pods) its
// workloadSelector matches, or — for DNS resolution without endpoints — the host name itself.
import type { Pod, ServiceEntry, WorkloadEntry, WorkloadEntrySpec } from '@mesh/api';
import { labelsMatch } from './hosts.ts';
import type { PortEndpoints } from './kube-registry.ts';
import { parseProtocol } from './protocol.ts';
import { parseLocality, type EndpointModel, type Resolution, type ServiceModel } from './service.ts';

function resolutionOf(se: ServiceEntry): Resolution {
  switch (se.spec.resolution) {
    case 'DNS':
      return 'DNSLB';
    case 'DNS_ROUND_ROBIN':
      return 'DNSRoundRobinLB';
    case 'STATIC':
      return 'ClientSideLB';
    default:
      return 'Passthrough';
  }
}

/** The ServiceModels of a ServiceEntry (one per host). */
export function servicesFromServiceEntry(se: ServiceEntry): ServiceModel[] {
  const ns = se.metadata.namespace ?? 'default';
  // A /32 (or /128) is just an address; wider ranges are matched by prefix.
  const vips: string[] = [];
  const cidrs: string[] = [];
  for (const a of se.spec.addresses ?? []) {
    const [ip = '', len] = a.split('/');
    if (len === undefined || (ip.includes(':') ? len === '128' : len === '32')) vips.push(ip);
    else cidrs.push(a);
  }
  const exportTo = (se.spec.exportTo ?? ['*']).map((e) => (e === '.' ? ns : e));
  return se.spec.hosts.map((host) => ({
    hostname: host,
    name: host,
    namespace: ns,
    address: vips[0] ?? '0.0.0.0',
    addresses: vips,
    ...(cidrs.length > 0 ? { cidrs } : {}),
    ports: (se.spec.ports ?? []).map((p) => ({
      name: p.name,
      port: p.number,
      protocol: parseProtocol(p.protocol),
      ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
    })),
    labels: se.metadata.labels ?? {},
    ...(se.spec.workloadSelector?.labels ? { selector: se.spec.workloadSelector.labels } : {}),
    exportTo,
    registry: 'ServiceEntry' as const,
    resolution: resolutionOf(se),
    meshExternal: (se.spec.location ?? 'MESH_EXTERNAL') === 'MESH_EXTERNAL',
    headless: vips.length === 0,
    serviceAccounts: se.spec.subjectAltNames ?? [],
  }));
}

function fromWorkload(we: WorkloadEntrySpec, ns: string, portName: string, defaultPort: number, tls: boolean, name: string): EndpointModel | undefined {
  if (!we.address) return undefined;
  return {
    address: we.address,
    port: we.ports?.[portName] ?? defaultPort,
    servicePortName: portName,
    labels: we.labels ?? {},
    namespace: ns,
    serviceAccount: we.serviceAccount ?? '',
    workloadName: name,
    locality: parseLocality(we.locality),
    health: 'HEALTHY',
    tlsMode: tls && we.labels?.['security.istio.io/tlsMode'] !== 'disabled' ? 'istio' : 'disabled',
    weight: we.weight ?? 1,
    network: we.network ?? '',
  };
}

/** Endpoints of a ServiceEntry host, by service port number. */
export function endpointsFromServiceEntry(
  se: ServiceEntry,
  host: string,
  workloadEntries: readonly WorkloadEntry[],
  pods: readonly Pod[],
): PortEndpoints {
  const ns = se.metadata.namespace ?? 'default';
  const out: PortEndpoints = new Map();
  const internal = se.spec.location === 'MESH_INTERNAL';
  for (const p of se.spec.ports ?? []) {
    const target = p.targetPort ?? p.number;
    const list: EndpointModel[] = [];
    const selector = se.spec.workloadSelector?.labels;
    if (se.spec.endpoints) {
      for (const ep of se.spec.endpoints) {
        const e = fromWorkload(ep, ns, p.name, target, internal, '');
        if (e) list.push(e);
      }
    } else if (selector) {
      for (const we of workloadEntries) {
        if ((we.metadata.namespace ?? 'default') !== ns) continue;
        if (!labelsMatch(selector, we.spec.labels ?? we.metadata.labels ?? {})) continue;
        const e = fromWorkload({ ...we.spec, labels: { ...we.metadata.labels, ...we.spec.labels } }, ns, p.name, target, true, we.metadata.name);
        if (e) list.push(e);
      }
      for (const pod of pods) {
        if ((pod.metadata.namespace ?? 'default') !== ns || !pod.status?.podIP) continue;
        if (!labelsMatch(selector, pod.metadata.labels ?? {})) continue;
        const e = fromWorkload(
          { address: pod.status.podIP, labels: pod.metadata.labels ?? {}, serviceAccount: pod.spec?.serviceAccountName ?? 'default' },
          ns,
          p.name,
          target,
          pod.metadata.annotations?.['sidecar.istio.io/status'] !== undefined,
          pod.metadata.name,
        );
        if (e) list.push(e);
      }
    } else if (se.spec.resolution === 'DNS' || se.spec.resolution === 'DNS_ROUND_ROBIN') {
      if (!host.startsWith('*')) {
        const e = fromWorkload({ address: host }, ns, p.name, target, false, '');
        if (e) list.push(e);
      }
    }
    out.set(p.number, list);
  }
  return out;
}
