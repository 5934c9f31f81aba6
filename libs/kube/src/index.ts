// Public surface of @mesh/kube: config sources (a YAML directory, the Kubernetes API) with one shape.
export { FileSource, parseObjects, type FileSourceOptions } from './file-source.ts';
export { KubeSource, loadKubeConfig, type KubeSourceOptions } from './kube-source.ts';
export { ObjectStore } from './object-store.ts';
export { watchedKinds, type WatchedKind } from './watched-kinds.ts';
export { objectKey, isKubeObject, type KubeObject, type Change, type ChangeType, type ConfigSource } from './types.ts';
