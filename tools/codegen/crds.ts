// Builds the project's CustomResourceDefinitions from libs/api's kind registry: one CRD per Istio kind with
// upstream's group, names, versions, printer columns and status subresource, and a structural schema that types
// the top-level spec fields and keeps everything else open. Validation proper is istiod's webhook; the schema
// never refuses what upstream's schemas accept.
import { kinds } from '../../libs/api/src/index.ts';
import type { KindInfo } from '../../libs/api/src/index.ts';
import { kindsMissingFromRegistry, printerColumns, storageVersionOverrides } from './crd-presentation.ts';
import { specSchema } from './crd-spec-fields.ts';

/** A CRD as plain data, ready for YAML serialisation. */
export type Crd = Record<string, unknown>;

/** The Istio kinds that get a CRD: registry kinds that are not Kubernetes built-ins, plus the supplement. */
export function istioKinds(): KindInfo[] {
  const fromRegistry = kinds.filter((k) => !k.builtin && k.group.endsWith('.istio.io'));
  const missing = kindsMissingFromRegistry.filter((m) => !fromRegistry.some((k) => k.kind === m.kind && k.group === m.group));
  return [...fromRegistry, ...missing].sort((a, b) => a.group.localeCompare(b.group) || a.plural.localeCompare(b.plural));
}

const preserveUnknown = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

function schemaFor(info: KindInfo): Record<string, unknown> {
  return {
    openAPIV3Schema: {
      description: `${info.kind} of the ${info.group} API; the spec is validated by istiod's validation webhook.`,
      type: 'object',
      properties: { spec: specSchema(info.kind), status: { ...preserveUnknown } },
    },
  };
}

/** The Helm/kubectl labels upstream puts on its CRDs (the `istio` label groups security and telemetry ones). */
function labelsFor(info: KindInfo): Record<string, string> {
  const labels: Record<string, string> = { app: 'istio-pilot', chart: 'istio', heritage: 'Tiller' };
  if (info.group === 'security.istio.io') labels['istio'] = 'security';
  if (info.group === 'telemetry.istio.io') labels['istio'] = 'telemetry';
  labels['release'] = 'istio';
  return labels;
}

/** One CRD for one kind. */
export function crdFor(info: KindInfo): Crd {
  const preferred = info.versions[0];
  if (preferred === undefined) throw new Error(`kind ${info.kind}: the registry lists no versions`);
  const storage = storageVersionOverrides[info.kind] ?? preferred;
  if (!info.versions.includes(storage)) throw new Error(`kind ${info.kind}: storage version ${storage} is not served`);
  const columns = printerColumns[info.kind] ?? [];
  const singular = info.kind.toLowerCase();
  const names: Record<string, unknown> = {
    categories: ['istio-io', info.group.replaceAll('.', '-')],
    kind: info.kind,
    listKind: `${info.kind}List`,
    plural: info.plural,
  };
  if (info.shortNames.length > 0) names['shortNames'] = [...info.shortNames];
  names['singular'] = singular;
  const versions = [...info.versions].sort().map((name) => {
    const v: Record<string, unknown> = {};
    if (columns.length > 0) v['additionalPrinterColumns'] = columns.map((c) => ({ ...c }));
    v['name'] = name;
    v['schema'] = schemaFor(info);
    v['served'] = true;
    v['storage'] = name === storage;
    v['subresources'] = { status: {} };
    return v;
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      annotations: { 'helm.sh/resource-policy': 'keep' },
      labels: labelsFor(info),
      name: `${info.plural}.${info.group}`,
    },
    spec: { group: info.group, names, scope: info.namespaced ? 'Namespaced' : 'Cluster', versions },
  };
}

/** Every Istio CRD, in a stable order (group, then plural). */
export function buildCrds(): Crd[] {
  return istioKinds().map(crdFor);
}
