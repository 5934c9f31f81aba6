// Public surface of @mesh/api: Istio + Kubernetes resource types, the kind registry, the YAML loader.
export type * from './meta.ts';
export type * from './networking-types.ts';
export type * from './kube-types.ts';
export { meshResourceKinds, resourceKey } from './resources.ts';
export type { MeshResource, OtherResource } from './resources.ts';
export { kinds, lookupKind, findKindByName, apiVersionOf } from './kinds.ts';
export type { KindInfo } from './kinds.ts';
export { parseYamlDocuments, parseYamlValue, formatDocumentError } from './yaml-loader.ts';
export type { ParsedDocuments, DocumentError } from './yaml-loader.ts';
