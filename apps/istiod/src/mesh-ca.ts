// Where istiod's CA comes from, in upstream's order: the operator's CA plugged in as files (the cacerts Secret
// mounted at ROOT_CA_DIR); otherwise a self-signed root that survives restarts, kept in the istio-ca-secret Secret in
// a cluster or in the security directory in local mode.
import type { KubeConfig } from '@kubernetes/client-node';
import { loadOrCreateFileCa, loadPluggedCa, type CertificateAuthority } from '@mesh/security';
import type { Logger } from '@mesh/telemetry';
import { CA_SECRET_NAME, loadOrCreateSecretCa, type SecretCa } from './ca-secret.ts';

export interface MeshCaOptions {
  /** Directory of a plugged-in CA (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem). */
  pluggedDir: string;
  /** Cluster mode: where istio-ca-secret lives. */
  kube?: { config: KubeConfig; namespace: string };
  /** Local mode: the security directory. */
  securityDir?: string;
  logger: Logger;
}

/** Loads (or creates and stores) the CA istiod signs workload certificates with. */
export async function loadMeshCa(o: MeshCaOptions): Promise<CertificateAuthority> {
  const org = { org: 'cluster.local' };
  let where: string;
  let got: SecretCa;
  const plugged = await loadPluggedCa(o.pluggedDir);
  if (plugged) {
    where = o.pluggedDir;
    got = { ca: plugged, created: false };
  } else if (o.kube) {
    where = `Secret ${o.kube.namespace}/${CA_SECRET_NAME}`;
    got = await loadOrCreateSecretCa(o.kube.config, o.kube.namespace, org);
  } else if (o.securityDir) {
    where = o.securityDir;
    got = await loadOrCreateFileCa(o.securityDir, org);
  } else {
    throw new Error('istiod: no CA store (neither a cluster nor a security directory)');
  }
  if (got.notStored) o.logger.error({ store: where, reason: got.notStored }, 'ca: new self-signed root NOT stored; a restart will mint another root');
  else o.logger.info({ store: where, created: got.created, plugged: plugged !== undefined }, got.created ? 'ca: new self-signed root stored' : 'ca: root loaded');
  return got.ca;
}
