// Regenerates src/schema/crd-schemas.json from upstream's crd-all.gen.yaml: the spec schema of each Istio CRD,
// stripped of descriptions and CEL rules, so the validator can run the structural checks the apiserver would.
// Usage: node scripts/generate-crd-schemas.ts [path/to/crd-all.gen.yaml]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const KEEP = new Set([
  'type', 'properties', 'items', 'additionalProperties', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'minProperties', 'maxProperties', 'required', 'pattern', 'oneOf', 'anyOf', 'allOf', 'not',
  'nullable', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields',
]);

function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEEP.has(key)) continue;
    if (key === 'properties') {
      const props: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(value as Record<string, unknown>)) props[name] = strip(sub);
      out[key] = props;
    } else {
      out[key] = strip(value);
    }
  }
  return out;
}

const source = process.argv[2] ?? '/work/shared/istio/crds/crd-all.gen.yaml';
const result: Record<string, { group: string; versions: string[]; spec: unknown }> = {};
for (const doc of parseAllDocuments(readFileSync(source, 'utf8'))) {
  const crd = doc.toJS() as {
    spec?: { group: string; names: { kind: string }; versions: { name: string; storage?: boolean; schema: { openAPIV3Schema: { properties: { spec: unknown } } } }[] };
  } | null;
  if (!crd?.spec) continue;
  const versions = crd.spec.versions;
  const storage = versions.find((v) => v.storage) ?? versions[0];
  if (!storage) continue;
  result[crd.spec.names.kind] = {
    group: crd.spec.group,
    versions: versions.map((v) => v.name),
    spec: strip(storage.schema.openAPIV3Schema.properties.spec),
  };
}
const target = fileURLToPath(new URL('../src/schema/crd-schemas.json', import.meta.url));
writeFileSync(target, JSON.stringify(result) + '\n');
console.log(`wrote ${Object.keys(result).length} kinds to ${target}`);
