// What istiod takes from its source: Istio config is validated (invalid objects are skipped with the field path
// and reason), the mesh config comes from the `istio` ConfigMap, and everything else passes through.
import { parse as parseYaml } from 'yaml';
import type { MeshResource } from '@mesh/api';
import type { KubeObject } from '@mesh/kube';
import type { MeshConfigInput } from '@mesh/model';
import { validateObject } from '@mesh/validation';

export interface RejectedConfig {
  key: string;
  errors: string[];
}

export interface IntakeResult {
  resources: MeshResource[];
  rejected: RejectedConfig[];
  meshConfig: MeshConfigInput | undefined;
}

const modelKinds = new Set<string>([
  'VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'WorkloadEntry', 'Sidecar', 'PeerAuthentication',
  'Service', 'EndpointSlice', 'Pod', 'Namespace', 'Node', 'ConfigMap', 'Secret',
]);

const isIstioGroup = (apiVersion: string) => /^[a-z.]*istio\.io\//.test(apiVersion);

/** Validates and filters source objects into model input. */
export function intake(objects: readonly KubeObject[], opts: { istioNamespace: string; meshConfigName?: string }): IntakeResult {
  const resources: MeshResource[] = [];
  const rejected: RejectedConfig[] = [];
  let meshConfig: MeshConfigInput | undefined;
  for (const obj of objects) {
    if (!modelKinds.has(obj.kind)) continue;
    if (isIstioGroup(obj.apiVersion)) {
      const result = validateObject(obj);
      if (result.errors.length > 0) {
        const key = `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
        rejected.push({ key, errors: result.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)) });
        continue;
      }
    }
    if (obj.kind === 'ConfigMap' && obj.metadata.namespace === opts.istioNamespace && obj.metadata.name === (opts.meshConfigName ?? 'istio')) {
      const data = obj['data'] as Record<string, string> | undefined;
      if (data?.['mesh']) meshConfig = parseMeshConfig(data['mesh']);
    }
    resources.push(obj as unknown as MeshResource);
  }
  return { resources, rejected, meshConfig };
}

/** Parses mesh config YAML (the `mesh` key of the istio ConfigMap, or a --meshConfig file). */
export function parseMeshConfig(text: string): MeshConfigInput {
  const parsed: unknown = parseYaml(text);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('mesh config: expected a YAML mapping');
  return parsed as MeshConfigInput;
}
