// Upstream sample manifests (Services, Deployments) turned into the runner's services and pods: one pod per
// Deployment, with the Deployment's labels, service account and container ports; the container's image is replaced
// by the matching replica service (e2e/bookinfo) or an idle client.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { LocalMesh, MeshService } from './local-mesh.ts';
import type { Pod, PodSpec } from './pod.ts';
import { bookinfoCommand } from './workloads.ts';

/** The parts of a Deployment the runner uses. */
export interface DeploymentInfo {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string;
  container: string;
  containerPorts: number[];
}

/** The parts of a Service the runner uses. */
export interface ServiceInfo {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  ports: { name?: string; port: number; targetPort?: number | string }[];
}

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

/** Reads the Services and Deployments of a manifest file; errors name the file and document. */
export function readManifest(path: string, namespace = 'default'): { services: ServiceInfo[]; deployments: DeploymentInfo[] } {
  const services: ServiceInfo[] = [];
  const deployments: DeploymentInfo[] = [];
  parseAllDocuments(readFileSync(path, 'utf8')).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${path}: document ${i}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    const o = doc.toJS() as Obj | null;
    if (!o?.kind || !o.metadata?.name) return;
    const ns = o.metadata.namespace ?? namespace;
    if (o.kind === 'Service') {
      const spec = o.spec as { selector?: Record<string, string>; ports?: ServiceInfo['ports'] };
      services.push({ name: o.metadata.name, namespace: ns, labels: o.metadata.labels ?? {}, selector: spec.selector ?? {}, ports: spec.ports ?? [] });
    } else if (o.kind === 'Deployment') {
      const tpl = (o.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: { serviceAccountName?: string; containers?: { name: string; ports?: { containerPort: number }[] }[] } } }).template;
      const container = tpl?.spec?.containers?.[0];
      if (!container) throw new Error(`${path}: Deployment ${o.metadata.name}: spec.template.spec.containers is empty`);
      deployments.push({
        name: o.metadata.name,
        namespace: ns,
        labels: tpl?.metadata?.labels ?? {},
        serviceAccount: tpl?.spec?.serviceAccountName ?? 'default',
        container: container.name,
        containerPorts: (container.ports ?? []).map((p) => p.containerPort),
      });
    }
  });
  return { services, deployments };
}

/** Replica services that stand in for upstream images, keyed by the `app` label. */
const replicas = new Set(['productpage', 'details', 'reviews', 'ratings', 'httpbin']);

/** The pod that runs a Deployment: its replica service, or an idle client for sample clients (sleep, fortio...). */
export function podForDeployment(d: DeploymentInfo, proxy: PodSpec['proxy'] = 'sidecar'): PodSpec {
  const app = d.labels['app'] ?? d.name;
  const port = d.containerPorts[0] ?? 9080;
  const command = replicas.has(app) ? bookinfoCommand(app, port, app === 'reviews' ? d.labels['version'] : undefined) : { command: 'sleep', args: ['infinity'] };
  return {
    name: `${d.name}-0`,
    namespace: d.namespace,
    labels: d.labels,
    serviceAccount: d.serviceAccount,
    workloadName: d.name,
    containerPorts: d.containerPorts,
    app: { name: d.container, ...command, ...(replicas.has(app) ? { readyLog: /listening on/ } : {}) },
    proxy,
  };
}

/** A copy of a Deployment with another `version` label (the mirroring task's httpbin-v1 / httpbin-v2). */
export function withVersion(d: DeploymentInfo, version: string): DeploymentInfo {
  const base = d.name.replace(/-v\d+$/, '');
  return { ...d, name: `${base}-${version}`, labels: { ...d.labels, version } };
}

/** Adds a manifest's Services to the mesh and starts its Deployments' pods (in parallel). */
export async function deploy(mesh: LocalMesh, m: { services: ServiceInfo[]; deployments: DeploymentInfo[] }): Promise<{ services: MeshService[]; pods: Pod[] }> {
  const services = m.services.map((s) => mesh.addService({ name: s.name, namespace: s.namespace, ports: s.ports }, s.selector, s.labels));
  const pods = await Promise.all(m.deployments.map((d) => mesh.startPod(podForDeployment(d))));
  return { services, pods };
}
