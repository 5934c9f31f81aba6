// istiod's config directory in local mode: Kubernetes-shaped YAML that istiod's file source watches. Files are
// written atomically (a dot-named temp file renamed into place), so istiod never reads half a document.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

/** A Kubernetes object as written to the directory. */
export type KubeDoc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } & Record<string, unknown> } & Record<string, unknown>;

/** Writes and removes files under istiod's config directory. */
export class ConfigDir {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** Writes raw YAML text (e.g. an upstream file, unchanged) as `<name>.yaml` under the directory. */
  writeText(name: string, text: string): string {
    if (!/^[a-z0-9][-a-z0-9./]*$/.test(name) || name.includes('..')) throw new Error(`config file name "${name}": use [a-z0-9-./], no ".."`);
    const path = join(this.dir, `${name}.yaml`);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${process.pid}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    return path;
  }

  /** Writes Kubernetes objects as one multi-document YAML file. */
  writeObjects(name: string, docs: readonly KubeDoc[]): string {
    return this.writeText(name, docs.map((d) => stringify(d)).join('---\n'));
  }

  /** Removes every file under a sub-folder (e.g. the routing rules of the previous test). */
  clear(folder: string): void {
    if (!/^[a-z0-9][-a-z0-9/]*$/.test(folder) || folder.includes('..')) throw new Error(`config folder "${folder}": use [a-z0-9-/], no ".."`);
    rmSync(join(this.dir, folder), { recursive: true, force: true });
  }

  /** Removes `<name>.yaml` (no error when it is not there). */
  remove(name: string): void {
    rmSync(join(this.dir, `${name}.yaml`), { force: true });
  }
}

/** A Service with a cluster IP, as the API server would store it. */
export function serviceObject(svc: { name: string; namespace: string; clusterIP: string; labels?: Record<string, string>; spec: Record<string, unknown> }): KubeDoc {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: svc.name, namespace: svc.namespace, ...(svc.labels ? { labels: svc.labels } : {}) },
    spec: { ...svc.spec, clusterIP: svc.clusterIP, clusterIPs: [svc.clusterIP], type: 'ClusterIP' },
  };
}

/** A running, ready Pod with its IP, as the kubelet would report it. */
export function podObject(pod: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  serviceAccount: string;
  ip: string;
  hostIp: string;
  containerPorts: number[];
  appContainer?: string;
  sidecar: boolean;
}): KubeDoc {
  const containers: Record<string, unknown>[] = [];
  if (pod.appContainer) containers.push({ name: pod.appContainer, ports: pod.containerPorts.map((p) => ({ containerPort: p, protocol: 'TCP' })) });
  if (pod.sidecar || !pod.appContainer) containers.push({ name: 'istio-proxy', image: 'proxyv2' });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: pod.labels,
      annotations: { ...(pod.sidecar ? { 'sidecar.istio.io/status': JSON.stringify({ initContainers: ['istio-init'], containers: ['istio-proxy'] }) } : {}), ...pod.annotations },
    },
    spec: { serviceAccountName: pod.serviceAccount, nodeName: 'local', containers },
    status: {
      phase: 'Running',
      podIP: pod.ip,
      podIPs: [{ ip: pod.ip }],
      hostIP: pod.hostIp,
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

/** A Namespace object. */
export function namespaceObject(name: string, labels: Record<string, string> = {}): KubeDoc {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}
