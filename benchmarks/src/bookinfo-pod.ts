// A typical pod for the injection webhook: a Bookinfo Deployment's pod template as the API server would hand it over.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Upstream's Bookinfo manifest (the specification's copy). */
export const bookinfoYaml = join(import.meta.dirname, '../../../shared/istio/bookinfo/platform/kube/bookinfo.yaml');

interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: { template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } };
}

/**
 * The pod the ReplicaSet controller creates from a Deployment's template, with the defaults and the service-account
 * token volume the API server adds before mutating webhooks run.
 */
export function bookinfoPod(deployment = 'productpage-v1'): Record<string, unknown> {
  const docs = parseAllDocuments(readFileSync(bookinfoYaml, 'utf8')).map((d) => d.toJS() as Deployment);
  const dep = docs.find((d) => d?.kind === 'Deployment' && d.metadata.name === deployment);
  if (!dep) throw new Error(`${bookinfoYaml}: no Deployment named ${deployment}`);
  const tpl = dep.spec.template;
  const spec = structuredClone(tpl.spec) as { containers: Array<Record<string, unknown>>; volumes?: unknown[] };
  for (const c of spec.containers) {
    c['terminationMessagePath'] ??= '/dev/termination-log';
    c['terminationMessagePolicy'] ??= 'File';
    c['resources'] ??= {};
    c['volumeMounts'] = [...((c['volumeMounts'] as unknown[]) ?? []), { name: 'kube-api-access-bench', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }];
  }
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name: 'kube-api-access-bench',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...structuredClone(tpl.metadata),
      generateName: `${deployment}-5d8f7c9b6-`,
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment}-5d8f7c9b6`, uid: 'b3c1f0de-0000-4000-8000-000000000001', controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...spec, restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', securityContext: {}, enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', priority: 0 },
  };
}

/** An AdmissionReview v1 request for creating that pod. */
export function admissionReview(uid: string, pod: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}
