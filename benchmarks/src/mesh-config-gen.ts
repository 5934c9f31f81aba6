// Generates a large mesh as Kubernetes YAML for istiod's file source: namespaces, Services with clusterIPs and
// several ports, and one ready Pod with a podIP behind each Service.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface GeneratedMesh {
  namespaces: string[];
  services: Array<{ name: string; namespace: string; clusterIP: string; podIP: string }>;
}

/** The ports every generated Service has: three HTTP-ish (HTTP, gRPC, HTTP) and one TCP. */
export const servicePorts = [
  { name: 'http-web', port: 80, targetPort: 8080 },
  { name: 'grpc-api', port: 9090, targetPort: 9090 },
  { name: 'tcp-db', port: 5432, targetPort: 5432 },
  { name: 'http-status', port: 8081, targetPort: 8081 },
];

function ip(prefix: string, i: number): string {
  return `${prefix}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/** Writes namespaces.yaml, services.yaml and pods.yaml with `count` services spread over `namespaceCount` namespaces. */
export function writeMesh(dir: string, count: number, namespaceCount: number): GeneratedMesh {
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `bench-${i}`);
  const services = Array.from({ length: count }, (_, i) => ({
    name: `svc-${i}`,
    namespace: namespaces[i % namespaceCount]!,
    clusterIP: ip('10.96', i),
    podIP: ip('10.10', i),
  }));
  const docs = (objs: unknown[]) => objs.map((o) => stringify(o)).join('---\n');
  writeFileSync(join(dir, 'namespaces.yaml'), docs(namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))));
  writeFileSync(
    join(dir, 'services.yaml'),
    docs(
      services.map((s) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: s.name, namespace: s.namespace, labels: { app: s.name } },
        spec: { clusterIP: s.clusterIP, clusterIPs: [s.clusterIP], selector: { app: s.name }, ports: servicePorts.map((p) => ({ ...p, protocol: 'TCP' })) },
      })),
    ),
  );
  writeFileSync(
    join(dir, 'pods.yaml'),
    docs(
      services.map((s) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${s.name}-0`, namespace: s.namespace, labels: { app: s.name, version: 'v1' } },
        spec: { serviceAccountName: 'default', containers: [{ name: 'app', image: 'bench', ports: servicePorts.map((p) => ({ containerPort: p.targetPort })) }] },
        status: { phase: 'Running', podIP: s.podIP, podIPs: [{ ip: s.podIP }], conditions: [{ type: 'Ready', status: 'True' }] },
      })),
    ),
  );
  return { namespaces, services };
}

/** A VirtualService for one service whose route name carries a marker, so clients can tell when it arrived. */
export function virtualServiceYaml(svc: { name: string; namespace: string }, marker: string, timeoutSeconds: number): string {
  const host = `${svc.name}.${svc.namespace}.svc.cluster.local`;
  return stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: `${svc.name}-bench`, namespace: svc.namespace },
    spec: { hosts: [host], http: [{ name: marker, timeout: `${timeoutSeconds}s`, route: [{ destination: { host, port: { number: 80 } } }] }] },
  });
}
