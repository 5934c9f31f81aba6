// Object metadata shared by every resource.

/** Kubernetes ObjectMeta, the fields istiod reads. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean }>;
}

/** Any typed resource: apiVersion + kind + metadata (+ spec/data depending on the kind). */
export interface Resource<K extends string = string> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
}
