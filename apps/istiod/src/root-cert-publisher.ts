// Publishes the mesh root certificate as the `istio-ca-root-cert` ConfigMap (key root-cert.pem) in every namespace,
// as upstream istiod does: injected pods mount it to verify istiod and their peers.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

const name = 'istio-ca-root-cert';

/** Creates or updates the ConfigMap in each namespace where it is missing or stale. */
export async function publishRootCert(kc: KubeConfig, rootPem: string, namespaces: readonly string[]): Promise<number> {
  const api = kc.makeApiClient(CoreV1Api);
  let changed = 0;
  for (const namespace of namespaces) {
    let existing;
    try {
      existing = await api.readNamespacedConfigMap({ name, namespace });
    } catch {
      existing = undefined;
    }
    if (existing?.data?.['root-cert.pem'] === rootPem) continue;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { 'istio.io/config': 'true' } }, data: { 'root-cert.pem': rootPem } };
    if (existing) await api.replaceNamespacedConfigMap({ name, namespace, body });
    else await api.createNamespacedConfigMap({ namespace, body });
    changed++;
  }
  return changed;
}
