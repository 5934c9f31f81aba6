// The `grpc-agent` injection template (upstream files/grpc-agent.yaml) as a function: proxyless gRPC with
// pilot-agent beside the app. The agent runs without Envoy (DISABLE_ENVOY) and serves the gRPC xDS bootstrap
// and certificates over a shared volume; every app container gets the bootstrap env and mounts. There is no
// istio-init (nothing is captured) and probe rewriting is switched off. Field order follows the upstream
// template so the injected pods match upstream's golden.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { goString, isObj, truthy } from './json-util.ts';
import { agentArgs, proxyImageFor, setImagePullSecrets, templateVolumes } from './template-shared.ts';
import {
  annotationOr, appContainerNames, proxyResources, statusPort, value, type RenderedPod, type TemplateData,
} from './template-data.ts';
import { podPortsJSON } from './sidecar-env.ts';
import { proxyConfigJSON } from './proxy-config.ts';
import { userEntries } from './sidecar-template.ts';

const fieldRef = (name: string, path: string): JsonObject => ({ name, valueFrom: { fieldRef: { fieldPath: path } } });

/** Where the agent writes the gRPC xDS bootstrap; the app reads it through GRPC_XDS_BOOTSTRAP. */
const xdsMountPath = '/etc/istio/proxy';

/** Renders the `grpc-agent` template. */
export function renderGrpcAgent(d: TemplateData): RenderedPod {
  const l = d.labels;
  // The template does not set security.istio.io/tlsMode: only the app's own gRPC code can opt into mTLS.
  const labels: Record<string, string> = {
    'service.istio.io/canonical-name': l['service.istio.io/canonical-name'] || l['app.kubernetes.io/name'] || l['app'] || d.deployMeta.name,
    'service.istio.io/canonical-revision': l['service.istio.io/canonical-revision'] || l['app.kubernetes.io/version'] || l['version'] || 'latest',
  };
  const apps = appContainerNames(d);
  const annotations: Record<string, string> = { 'istio.io/rev': d.revision || 'default' };
  const first = apps[0];
  if (first !== undefined) {
    if (d.annotations['kubectl.kubernetes.io/default-logs-container'] === undefined) {
      annotations['kubectl.kubernetes.io/default-logs-container'] = first;
    }
    if (d.annotations['kubectl.kubernetes.io/default-container'] === undefined) {
      annotations['kubectl.kubernetes.io/default-container'] = first;
    }
  }
  // gRPC serves its own health checks; the agent must not rewrite them to its status port.
  annotations['sidecar.istio.io/rewriteAppHTTPProbers'] = 'false';
  const spec: JsonObject = {
    containers: [agentContainer(d), ...apps.map((name) => appContainer(d, name))],
    volumes: volumes(d),
  };
  setImagePullSecrets(spec, d);
  return { metadata: { labels, annotations }, spec };
}

function agentContainer(d: TemplateData): JsonObject {
  const c: JsonObject = { name: 'istio-proxy' };
  c['image'] = proxyImageFor(d);
  c['ports'] = [{ containerPort: 15020, protocol: 'TCP', name: 'mesh-metrics' }];
  const args = agentArgs(d, 'sidecar');
  c['args'] = args;
  // The app starts only once the agent has certificates and the bootstrap ready.
  c['lifecycle'] = {
    postStart: { exec: { command: ['pilot-agent', 'wait', '--url=http://localhost:15020/healthz/ready'] } },
  };
  c['env'] = agentEnv(d);
  const pullPolicy = value(d, 'global.imagePullPolicy');
  if (truthy(pullPolicy)) c['imagePullPolicy'] = goString(pullPolicy);
  const users = userEntries(d.annotations['sidecar.istio.io/userVolumeMount']);
  // Upstream nests the probe, resources and mounts under the status-port check; with port 0 there is no agent
  // health endpoint, so none of them is rendered (user mounts are still honoured).
  if (statusPort(d) !== '0') {
    c['readinessProbe'] = {
      httpGet: { path: '/healthz/ready', port: 15020 },
      initialDelaySeconds: toInt(annotationOr(d, 'readiness.status.sidecar.istio.io/initialDelaySeconds',
        value(d, 'global.proxy.readinessInitialDelaySeconds'))),
      periodSeconds: toInt(annotationOr(d, 'readiness.status.sidecar.istio.io/periodSeconds',
        value(d, 'global.proxy.readinessPeriodSeconds'))),
      timeoutSeconds: 3,
      failureThreshold: toInt(annotationOr(d, 'readiness.status.sidecar.istio.io/failureThreshold',
        value(d, 'global.proxy.readinessFailureThreshold'))),
    };
    const res = proxyResources(d);
    if (res) c['resources'] = res;
    c['volumeMounts'] = [...agentMounts(d), ...users];
  } else if (users.length > 0) c['volumeMounts'] = users;
  return c;
}

function toInt(v: JsonValue | undefined): JsonValue {
  const n = Number(goString(v));
  return Number.isFinite(n) ? n : goString(v);
}

/** The agent's environment, in the grpc-agent template's order. */
function agentEnv(d: TemplateData): JsonValue[] {
  const env: JsonObject[] = [
    { name: 'ISTIO_META_GENERATOR', value: 'grpc' },
    { name: 'OUTPUT_CERTS', value: '/var/lib/istio/data' },
  ];
  if (d.inboundTrafficPolicyMode === 'localhost') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push({ name: 'PILOT_CERT_PROVIDER', value: goString(value(d, 'global.pilotCertProvider')) });
  const ca = goString(value(d, 'global.caAddress'));
  const rev = goString(value(d, 'revision'));
  env.push({ name: 'CA_ADDR', value: ca || `istiod${rev ? `-${rev}` : ''}.${goString(value(d, 'global.istioNamespace'))}.svc:15012` });
  env.push(fieldRef('POD_NAME', 'metadata.name'), fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    fieldRef('INSTANCE_IP', 'status.podIP'), fieldRef('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldRef('HOST_IP', 'status.hostIP'));
  env.push({ name: 'PROXY_CONFIG', value: proxyConfigJSON(d.proxyConfig) + '\n' });
  env.push({ name: 'ISTIO_META_POD_PORTS', value: podPortsJSON(d.spec) });
  env.push({ name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(d).join(',') });
  env.push({ name: 'ISTIO_META_CLUSTER_ID', value: goString(value(d, 'global.multiCluster.clusterName')) || 'Kubernetes' });
  env.push(fieldRef('ISTIO_META_NODE_NAME', 'spec.nodeName'));
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
  const trustDomain = goString(d.mesh['trustDomain']) || goString(value(d, 'global.trustDomain'));
  const meshID = goString(value(d, 'global.meshID'));
  if (meshID) env.push({ name: 'ISTIO_META_MESH_ID', value: meshID });
  else if (trustDomain) env.push({ name: 'ISTIO_META_MESH_ID', value: trustDomain });
  if (trustDomain) env.push({ name: 'TRUST_DOMAIN', value: trustDomain });
  const md = d.proxyConfig['proxyMetadata'];
  if (isObj(md)) for (const k of Object.keys(md).sort()) env.push({ name: k, value: goString(md[k]) });
  // gRPC resolves xds:/// names itself, so the agent needs no DNS capture and no Envoy.
  env.push({ name: 'ISTIO_META_DNS_CAPTURE', value: 'false' }, { name: 'DISABLE_ENVOY', value: 'true' });
  // An empty value is Go's zero value, which the API (omitempty) leaves out.
  return env.map((e) => (e['value'] === '' ? { name: e['name'] as string } : e));
}

function workloadCertsMount(d: TemplateData): JsonObject {
  return value(d, 'global.caName') === 'GkeWorkloadCertificate'
    ? { name: 'gke-workload-certificate', mountPath: '/var/run/secrets/workload-spiffe-credentials', readOnly: true }
    : { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' };
}

function agentMounts(d: TemplateData): JsonObject[] {
  const m: JsonObject[] = [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    workloadCertsMount(d),
  ];
  if (value(d, 'global.pilotCertProvider') === 'istiod') m.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' });
  m.push({ mountPath: '/var/lib/istio/data', name: 'istio-data' });
  m.push({ mountPath: xdsMountPath, name: 'istio-xds' });
  m.push({ mountPath: '/var/run/secrets/tokens', name: 'istio-token' });
  if (truthy(value(d, 'global.mountMtlsCerts'))) m.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  m.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  return m;
}

/** What each app container gets merged in: the gRPC xDS bootstrap env and the agent's shared volumes. */
function appContainer(d: TemplateData, name: string): JsonObject {
  return {
    name,
    env: [
      { name: 'GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT', value: 'true' },
      { name: 'GRPC_XDS_BOOTSTRAP', value: `${xdsMountPath}/grpc-bootstrap.json` },
    ],
    volumeMounts: [
      { mountPath: '/var/lib/istio/data', name: 'istio-data' },
      { mountPath: xdsMountPath, name: 'istio-xds' },
      workloadCertsMount(d),
    ],
  };
}

function volumes(d: TemplateData): JsonValue[] {
  return [...templateVolumes(d, { credentialSocket: 'none', workloadCertsEmptyDir: false, memoryVolume: 'istio-xds', crl: false }), ...userEntries(d.annotations['sidecar.istio.io/userVolume'])];
}
