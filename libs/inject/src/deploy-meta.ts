// The workload that owns a pod (upstream kube.GetDeployMetaFromPod): generated pods are traced through
// their controller reference to the Deployment, CronJob or DeploymentConfig users think of.
import type { JsonObject } from './go-yaml.ts';
import { goString, isObj, listAt, stringMap } from './json-util.ts';

/** Owner name/namespace and the owner's type for a pod. */
export function deployMetaFromPod(pod: JsonObject): {
  deployMeta: { name: string; namespace: string };
  typeMeta: { apiVersion: string; kind: string };
} {
  const meta = isObj(pod['metadata']) ? pod['metadata'] : {};
  const labels = stringMap(meta, 'labels');
  const deployMeta = { name: goString(meta['name']), namespace: goString(meta['namespace']) };
  const typeMeta = { apiVersion: 'v1', kind: 'Pod' };
  if (goString(meta['generateName']) !== '') {
    const ref = listAt(meta, 'ownerReferences').find((r) => r['controller'] === true);
    if (ref) {
      const refName = goString(ref['name']);
      typeMeta.apiVersion = goString(ref['apiVersion']);
      typeMeta.kind = goString(ref['kind']);
      deployMeta.name = refName;
      const hash = labels['pod-template-hash'] ?? '';
      if (typeMeta.kind === 'ReplicaSet' && hash !== '' && refName.endsWith(hash)) {
        deployMeta.name = refName.endsWith(`-${hash}`) ? refName.slice(0, -(hash.length + 1)) : refName;
        typeMeta.kind = 'Deployment';
      } else if (typeMeta.kind === 'ReplicationController' && labels['deploymentconfig']) {
        deployMeta.name = labels['deploymentconfig'];
        typeMeta.kind = 'DeploymentConfig';
        typeMeta.apiVersion = 'v1';
      } else if (typeMeta.kind === 'Job') {
        const m = /^(.+)-\d{8,10}$/.exec(refName);
        if (m) {
          deployMeta.name = m[1] as string;
          typeMeta.kind = 'CronJob';
          typeMeta.apiVersion = 'batch/v1';
        }
      }
    }
  }
  if (deployMeta.name === '') deployMeta.name = goString(meta['name']);
  return { deployMeta, typeMeta };
}
