// Keeps the caBundle of istiod's webhook configurations current (istiod signs its own serving certificate).
import { AdmissionregistrationV1Api, type KubeConfig } from '@kubernetes/client-node';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * Sets caBundle on every webhook of the injector and validator configurations of this revision. Once istiod is
 * serving (`ready`), validating webhooks installed with failurePolicy Ignore are switched to Fail, as upstream does,
 * so invalid config is refused rather than let through.
 */
export async function patchWebhookCaBundles(kc: KubeConfig, caPem: string, revision: string, istioNamespace: string, ready = true): Promise<void> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const bundle = b64(caPem);
  const rev = revision && revision !== 'default' ? revision : '';
  const mutatingNames = new Set([rev ? `istio-sidecar-injector-${rev}` : 'istio-sidecar-injector', rev ? `istio-revision-tag-${rev}` : 'istio-revision-tag-default']);
  const validatingNames = new Set([rev ? `istio-validator-${rev}-${istioNamespace}` : `istio-validator-${istioNamespace}`, 'istiod-default-validator']);

  const mutating = await api.listMutatingWebhookConfiguration();
  for (const cfg of mutating.items) {
    if (!cfg.metadata?.name || !mutatingNames.has(cfg.metadata.name)) continue;
    if ((cfg.webhooks ?? []).every((w) => w.clientConfig.caBundle === bundle)) continue;
    for (const w of cfg.webhooks ?? []) w.clientConfig.caBundle = bundle;
    await api.replaceMutatingWebhookConfiguration({ name: cfg.metadata.name, body: cfg });
  }
  const validating = await api.listValidatingWebhookConfiguration();
  for (const cfg of validating.items) {
    if (!cfg.metadata?.name || !validatingNames.has(cfg.metadata.name)) continue;
    const hooks = cfg.webhooks ?? [];
    if (hooks.every((w) => w.clientConfig.caBundle === bundle && (!ready || w.failurePolicy === 'Fail'))) continue;
    for (const w of hooks) {
      w.clientConfig.caBundle = bundle;
      if (ready) w.failurePolicy = 'Fail';
    }
    await api.replaceValidatingWebhookConfiguration({ name: cfg.metadata.name, body: cfg });
  }
}
