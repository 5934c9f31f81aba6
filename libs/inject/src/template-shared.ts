// The parts Istio's injection templates (sidecar, gateway, grpc-agent) share: pod volumes, the proxy image and the
// agent's arguments. The templates differ only in the options below; the order of the volumes is the templates'
// order, which the patch and the goldens depend on.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { goString, truthy } from './json-util.ts';
import { annotationOr, value, type TemplateData } from './template-data.ts';

export interface TemplateVolumeOptions {
  /** The credential-socket volume: absent (grpc-agent), plain (sidecar) or an emptyDir (gateway). */
  credentialSocket: 'none' | 'plain' | 'emptyDir';
  /** Whether the workload-certs volume is an emptyDir (gateway) rather than a bare name. */
  workloadCertsEmptyDir: boolean;
  /** Name of the in-memory volume for the proxy's files: istio-envoy, or istio-xds for proxyless gRPC. */
  memoryVolume: string;
  /** The optional istio-ca-crl ConfigMap volume (sidecar only). */
  crl: boolean;
}

/** The volumes a template adds to the pod, in the template's order. */
export function templateVolumes(d: TemplateData, o: TemplateVolumeOptions): JsonObject[] {
  const v: JsonObject[] = [{ name: 'workload-socket' }];
  if (o.credentialSocket === 'plain') v.push({ name: 'credential-socket' });
  if (o.credentialSocket === 'emptyDir') v.push({ emptyDir: {}, name: 'credential-socket' });
  if (value(d, 'global.caName') === 'GkeWorkloadCertificate') {
    v.push({ name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } });
  } else v.push(o.workloadCertsEmptyDir ? { emptyDir: {}, name: 'workload-certs' } : { name: 'workload-certs' });
  const bootstrap = d.annotations['sidecar.istio.io/bootstrapOverride'];
  if (bootstrap !== undefined) v.push({ name: 'custom-bootstrap-volume', configMap: { name: bootstrap } });
  v.push({ emptyDir: { medium: 'Memory' }, name: o.memoryVolume });
  v.push({ name: 'istio-data', emptyDir: {} });
  v.push({
    name: 'istio-podinfo',
    downwardAPI: {
      items: [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      ],
    },
  });
  v.push({
    name: 'istio-token',
    projected: {
      sources: [{
        serviceAccountToken: { path: 'istio-token', expirationSeconds: 43200, audience: goString(value(d, 'global.sds.token.aud')) },
      }],
    },
  });
  if (value(d, 'global.pilotCertProvider') === 'istiod') {
    const bundle = goString(value(d, 'global.trustBundleName'));
    if (value(d, 'pilot.env.ENABLE_CLUSTER_TRUST_BUNDLE_API') === true) {
      v.push({
        name: 'istiod-ca-cert',
        projected: { sources: [{ clusterTrustBundle: { name: `istio.io:istiod-ca:${bundle || 'root-cert'}`, path: 'root-cert.pem' } }] },
      });
    } else v.push({ name: 'istiod-ca-cert', configMap: { name: bundle || 'istio-ca-root-cert' } });
  }
  if (o.crl) v.push({ name: 'istio-ca-crl', configMap: { name: goString(value(d, 'pilot.crlConfigMapName')) || 'istio-ca-crl', optional: true } });
  if (truthy(value(d, 'global.mountMtlsCerts'))) {
    const sa = goString(d.spec['serviceAccountName']);
    v.push({ name: 'istio-certs', secret: { optional: true, secretName: sa === '' ? 'istio.default' : `istio.${sa}` } });
  }
  return v;
}

/** The proxy container's image: the annotation or global.proxy.image when it names a repository, else the default. */
export function proxyImageFor(d: TemplateData): string {
  const img = annotationOr(d, 'sidecar.istio.io/proxyImage', value(d, 'global.proxy.image'));
  return img.includes('/') ? img : d.proxyImage;
}

/** `pilot-agent proxy <type>` arguments shared by every template: domain, log levels, STS port, JSON logs. */
export function agentArgs(d: TemplateData, type: 'sidecar' | 'router'): JsonValue[] {
  const args: JsonValue[] = [
    'proxy', type, '--domain', `$(POD_NAMESPACE).svc.${goString(value(d, 'global.proxy.clusterDomain'))}`,
    `--proxyLogLevel=${annotationOr(d, 'sidecar.istio.io/logLevel', value(d, 'global.proxy.logLevel'))}`,
    `--proxyComponentLogLevel=${annotationOr(d, 'sidecar.istio.io/componentLogLevel', value(d, 'global.proxy.componentLogLevel'))}`,
    `--log_output_level=${annotationOr(d, 'sidecar.istio.io/agentLogLevel', value(d, 'global.logging.level'))}`,
  ];
  if (truthy(value(d, 'global.sts.servicePort'))) args.push(`--stsPort=${goString(value(d, 'global.sts.servicePort'))}`);
  if (truthy(value(d, 'global.logAsJson'))) args.push('--log_as_json');
  return args;
}

/** Sets spec.imagePullSecrets from global.imagePullSecrets when there are any. */
export function setImagePullSecrets(spec: JsonObject, d: TemplateData): void {
  const secrets = value(d, 'global.imagePullSecrets');
  if (Array.isArray(secrets) && secrets.length > 0) spec['imagePullSecrets'] = secrets.map((s) => ({ name: goString(s) }));
}
