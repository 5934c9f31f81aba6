// Bookinfo on the local mesh, as the upstream tasks set it up: istiod, the sidecar-injected Bookinfo from
// upstream's bookinfo.yaml, the ingress gateway, bookinfo-gateway.yaml and destination-rule-all.yaml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIngressGateway } from './ingress-gateway.ts';
import type { LocalMesh } from './local-mesh.ts';
import { deploy, readManifest } from './manifests.ts';

/** Upstream's reference data (samples/bookinfo and related samples). */
export const upstreamDir = process.env['MESH_UPSTREAM_DIR'] ?? '/work/shared/istio/bookinfo';

/** Path of an upstream file, e.g. `networking/virtual-service-all-v1.yaml`. */
export function upstreamPath(rel: string): string {
  return join(upstreamDir, rel);
}

/** Applies an upstream YAML file unchanged, under a config-directory name derived from its path. */
export function applyUpstream(mesh: LocalMesh, rel: string): string {
  const name = `istio/${rel.replace(/\.ya?ml$/, '').replace(/[^a-z0-9-]/g, '-')}`;
  mesh.config.writeText(name, readFileSync(upstreamPath(rel), 'utf8'));
  return name;
}

/** Applies selected documents of an upstream multi-document file (a task's step), text unchanged. */
export function applyUpstreamDocs(mesh: LocalMesh, rel: string, docIndexes: number[], name: string): void {
  const docs = splitDocuments(readFileSync(upstreamPath(rel), 'utf8'));
  const chosen = docIndexes.map((i) => {
    const d = docs[i];
    if (d === undefined) throw new Error(`${rel}: no document ${i} (has ${docs.length})`);
    return d;
  });
  mesh.config.writeText(`istio/${name}`, chosen.join('\n---\n'));
}

/** Splits YAML text on document separators, dropping documents that hold only comments. */
export function splitDocuments(text: string): string[] {
  return text
    .split(/^---\s*$/m)
    .filter((d) => d.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#')));
}

/** Starts istiod, Bookinfo with sidecars and the ingress gateway; applies the gateway and the destination rules. */
export async function startBookinfo(mesh: LocalMesh, opts: { gatewayPort?: number } = {}): Promise<{ gatewayPort: number }> {
  await mesh.startIstiod();
  applyUpstream(mesh, 'networking/bookinfo-gateway.yaml');
  applyUpstream(mesh, 'networking/destination-rule-all.yaml');
  const [, gw] = await Promise.all([deploy(mesh, readManifest(upstreamPath('platform/kube/bookinfo.yaml'))), startIngressGateway(mesh, opts.gatewayPort ?? 0)]);
  return { gatewayPort: gw.port };
}

/** One upstream file, or chosen documents of it (a task step). */
export interface UpstreamConfig {
  file: string;
  docs?: number[];
}

/**
 * Replaces the task's routing config (the `istio/task/` folder) with the given upstream files, unchanged. The
 * gateway and destination rules applied by startBookinfo stay.
 */
export function useTaskConfig(mesh: LocalMesh, configs: UpstreamConfig[]): void {
  mesh.config.clear('istio/task');
  configs.forEach((c, i) => {
    const name = `task/${i}-${c.file.replace(/\.ya?ml$/, '').replace(/[^a-z0-9-]/g, '-')}`;
    if (c.docs) applyUpstreamDocs(mesh, c.file, c.docs, name);
    else mesh.config.writeText(`istio/${name}`, readFileSync(upstreamPath(c.file), 'utf8'));
  });
}
