// The `gateway` injection template (upstream files/gateway-injection-template.yaml) as a function: the pod's
// placeholder istio-proxy container becomes a router-mode proxy. Unlike `sidecar` there is no istio-init
// (a gateway does not capture traffic), no probe rewriting and no startup probe; field values and their order
// follow the upstream template so the injected pods match upstream's goldens.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { clone, goString, isObj, truthy } from './json-util.ts';
import { agentArgs, proxyImageFor, setImagePullSecrets, templateVolumes } from './template-shared.ts';
import { appContainerNames, value, type RenderedPod, type TemplateData } from './template-data.ts';
import { podPortsJSON } from './sidecar-env.ts';
import { proxyConfigJSON } from './proxy-config.ts';

const fieldRef = (name: string, path: string): JsonObject => ({ name, valueFrom: { fieldRef: { fieldPath: path } } });
const resourceRef = (name: string, res: string): JsonObject => ({
  name, valueFrom: { resourceFieldRef: { resource: res, divisor: '1' } },
});

/** Renders the `gateway` template. */
export function renderGateway(d: TemplateData): RenderedPod {
  const l = d.labels;
  const labels: Record<string, string> = {
    'service.istio.io/canonical-name': l['service.istio.io/canonical-name'] || l['app.kubernetes.io/name'] || l['app'] || d.deployMeta.name,
    'service.istio.io/canonical-revision': l['service.istio.io/canonical-revision'] || l['app.kubernetes.io/version'] || l['version'] || 'latest',
  };
  const annotations: Record<string, string> = { 'istio.io/rev': d.revision || 'default' };
  const first = appContainerNames(d)[0];
  if (first !== undefined) {
    if (d.annotations['kubectl.kubernetes.io/default-logs-container'] === undefined) {
      annotations['kubectl.kubernetes.io/default-logs-container'] = first;
    }
    if (d.annotations['kubectl.kubernetes.io/default-container'] === undefined) {
      annotations['kubectl.kubernetes.io/default-container'] = first;
    }
  }
  const gatewaySecurity = value(d, 'gateways.securityContext');
  const spec: JsonObject = {
    securityContext: truthy(gatewaySecurity) && isObj(gatewaySecurity)
      ? clone(gatewaySecurity)
      : { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
    containers: [gatewayProxy(d)],
    volumes: volumes(d),
  };
  setImagePullSecrets(spec, d);
  return { metadata: { labels, annotations }, spec };
}

function gatewayProxy(d: TemplateData): JsonObject {
  const c: JsonObject = { name: 'istio-proxy' };
  c['image'] = proxyImageFor(d);
  c['ports'] = [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }];
  const args = agentArgs(d, 'router');
  c['args'] = args;
  const lifecycle = value(d, 'global.proxy.lifecycle');
  if (truthy(lifecycle) && lifecycle !== undefined) c['lifecycle'] = clone(lifecycle);
  c['securityContext'] = { runAsUser: d.proxyUID, runAsGroup: d.proxyGID };
  c['env'] = gatewayEnv(d);
  const pullPolicy = value(d, 'global.imagePullPolicy');
  if (truthy(pullPolicy)) c['imagePullPolicy'] = goString(pullPolicy);
  c['readinessProbe'] = {
    httpGet: { path: '/healthz/ready', port: 15021 },
    initialDelaySeconds: toInt(value(d, 'global.proxy.readinessInitialDelaySeconds')),
    periodSeconds: toInt(value(d, 'global.proxy.readinessPeriodSeconds')),
    timeoutSeconds: 3,
    failureThreshold: toInt(value(d, 'global.proxy.readinessFailureThreshold')),
  };
  c['volumeMounts'] = volumeMounts(d);
  return c;
}

function toInt(v: JsonValue | undefined): JsonValue {
  const n = Number(goString(v));
  return Number.isFinite(n) ? n : goString(v);
}

/** The gateway proxy's environment, in the gateway template's order (it differs from the sidecar's). */
function gatewayEnv(d: TemplateData): JsonValue[] {
  const env: JsonObject[] = [{ name: 'PILOT_CERT_PROVIDER', value: goString(value(d, 'global.pilotCertProvider')) }];
  const ca = goString(value(d, 'global.caAddress'));
  const rev = goString(value(d, 'revision'));
  env.push({ name: 'CA_ADDR', value: ca || `istiod${rev ? `-${rev}` : ''}.${goString(value(d, 'global.istioNamespace'))}.svc:15012` });
  env.push(fieldRef('POD_NAME', 'metadata.name'), fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    fieldRef('INSTANCE_IP', 'status.podIP'), fieldRef('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldRef('HOST_IP', 'status.hostIP'), resourceRef('ISTIO_CPU_LIMIT', 'limits.cpu'));
  env.push({ name: 'PROXY_CONFIG', value: proxyConfigJSON(d.proxyConfig) + '\n' });
  env.push({ name: 'ISTIO_META_POD_PORTS', value: podPortsJSON(d.spec) });
  env.push(resourceRef('GOMEMLIMIT', 'limits.memory'));
  if (d.compliancePolicy) {
    env.push({ name: 'COMPLIANCE_POLICY', value: d.compliancePolicy });
    if (d.compliancePolicy === 'fips-140-3') env.push({ name: 'GODEBUG', value: 'fips140=only' });
  }
  env.push({ name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(d).join(',') });
  env.push({ name: 'ISTIO_META_CLUSTER_ID', value: goString(value(d, 'global.multiCluster.clusterName')) || 'Kubernetes' });
  env.push(fieldRef('ISTIO_META_NODE_NAME', 'spec.nodeName'));
  env.push({ name: 'ISTIO_META_INTERCEPTION_MODE', value: goString(d.proxyConfig['interceptionMode']) || 'REDIRECT' });
  // ^ the template prints ProxyConfig.InterceptionMode (zero value REDIRECT); the pod annotation does not apply.
  const network = goString(value(d, 'global.network'));
  if (network) env.push({ name: 'ISTIO_META_NETWORK', value: network });
  if (d.deployMeta.name) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: d.deployMeta.name });
  if (d.typeMeta.apiVersion && d.deployMeta.name) {
    env.push({
      name: 'ISTIO_META_OWNER',
      value: `kubernetes://apis/${d.typeMeta.apiVersion}/namespaces/${d.deployMeta.namespace || 'default'}/` +
        `${d.typeMeta.kind.toLowerCase()}s/${d.deployMeta.name}`,
    });
  }
  if (d.annotations['sidecar.istio.io/bootstrapOverride'] !== undefined) {
    env.push({ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' });
  }
  const trustDomain = goString(d.mesh['trustDomain']) || goString(value(d, 'global.trustDomain'));
  const meshID = goString(value(d, 'global.meshID'));
  if (meshID) env.push({ name: 'ISTIO_META_MESH_ID', value: meshID });
  else if (trustDomain) env.push({ name: 'ISTIO_META_MESH_ID', value: trustDomain });
  if (trustDomain) env.push({ name: 'TRUST_DOMAIN', value: trustDomain });
  const md = d.proxyConfig['proxyMetadata'];
  if (isObj(md)) for (const k of Object.keys(md).sort()) env.push({ name: k, value: goString(md[k]) });
  // An empty value is Go's zero value, which the API (omitempty) leaves out.
  return env.map((e) => (e['value'] === '' ? { name: e['name'] as string } : e));
}

function volumeMounts(d: TemplateData): JsonValue[] {
  const gke = value(d, 'global.caName') === 'GkeWorkloadCertificate';
  const m: JsonObject[] = [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
    gke
      ? { name: 'gke-workload-certificate', mountPath: '/var/run/secrets/workload-spiffe-credentials', readOnly: true }
      : { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
  ];
  if (value(d, 'global.pilotCertProvider') === 'istiod') m.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' });
  m.push({ mountPath: '/var/lib/istio/data', name: 'istio-data' });
  if (d.annotations['sidecar.istio.io/bootstrapOverride'] !== undefined) {
    m.push({ mountPath: '/etc/istio/custom-bootstrap', name: 'custom-bootstrap-volume' });
  }
  m.push({ mountPath: '/etc/istio/proxy', name: 'istio-envoy' });
  m.push({ mountPath: '/var/run/secrets/tokens', name: 'istio-token' });
  if (truthy(value(d, 'global.mountMtlsCerts'))) m.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  m.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  return m;
}

function volumes(d: TemplateData): JsonValue[] {
  return [...templateVolumes(d, { credentialSocket: 'emptyDir', workloadCertsEmptyDir: true, memoryVolume: 'istio-envoy', crl: false })];
}
