// Kubernetes-shaped objects as istiod's sources deliver them, and the interface both sources implement.

/** Any Kubernetes-shaped object: apiVersion, kind, metadata, and the rest untyped until decoded by libs/api. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type ChangeType = 'add' | 'update' | 'delete';

export interface Change {
  type: ChangeType;
  key: string;
  object: KubeObject;
}

/** A source of config objects (a directory of YAML, or the Kubernetes API). Both keep the same collections. */
export interface ConfigSource {
  /** Loads everything once; resolves when the initial state is complete ("synced"). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Every object currently known. */
  list(): KubeObject[];
  /** Called with each batch of changes after start. */
  onChange(listener: (changes: Change[]) => void): void;
}

/** The identity of an object inside a source: `<group>/<Kind>/<namespace>/<name>` (group empty for core kinds). */
export function objectKey(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const slash = obj.apiVersion.lastIndexOf('/');
  const group = slash > 0 ? obj.apiVersion.slice(0, slash) : '';
  return `${group}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** True when `value` has the minimal shape of a Kubernetes object. */
export function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const md = v['metadata'] as Record<string, unknown> | undefined;
  return typeof v['apiVersion'] === 'string' && typeof v['kind'] === 'string' && typeof md === 'object' && md !== null && typeof md['name'] === 'string';
}
