// The istio-proxy container's environment, in the order the upstream sidecar template writes it.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { getPath, goString, isObj, truthy } from './json-util.ts';
import { appContainerNames, value, type TemplateData } from './template-data.ts';
import { proxyConfigJSON } from './proxy-config.ts';

const fieldRef = (name: string, path: string): JsonObject => ({ name, valueFrom: { fieldRef: { fieldPath: path } } });
const resourceRef = (name: string, res: string): JsonObject => ({
  name, valueFrom: { resourceFieldRef: { resource: res, divisor: '1' } },
});

/** ISTIO_META_POD_PORTS: every container port as Go's json.Marshal(ContainerPort) prints it. */
export function podPortsJSON(spec: JsonObject): string {
  const entries: string[] = [];
  const containers = spec['containers'];
  for (const c of Array.isArray(containers) ? containers : []) {
    const ports = getPath(c, 'ports');
    for (const p of Array.isArray(ports) ? ports : []) {
      if (!isObj(p)) continue;
      const o: JsonObject = {};
      if (truthy(p['name'])) o['name'] = p['name'] as JsonValue;
      if (truthy(p['hostPort'])) o['hostPort'] = p['hostPort'] as JsonValue;
      o['containerPort'] = (p['containerPort'] ?? 0) as JsonValue;
      if (truthy(p['protocol'])) o['protocol'] = p['protocol'] as JsonValue;
      if (truthy(p['hostIP'])) o['hostIP'] = p['hostIP'] as JsonValue;
      entries.push(JSON.stringify(o));
    }
  }
  return ['[', ...entries.map((e, i) => `    ${i > 0 ? ',' : ''}${e}`), ']'].join('\n');
}

/** The proxy env list. */
export function proxyEnv(d: TemplateData): JsonValue[] {
  const env: JsonObject[] = [];
  if (d.inboundTrafficPolicyMode === 'localhost') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push({ name: 'PILOT_CERT_PROVIDER', value: goString(value(d, 'global.pilotCertProvider')) });
  const ca = goString(value(d, 'global.caAddress'));
  const rev = goString(value(d, 'revision'));
  env.push({
    name: 'CA_ADDR',
    value: ca || `istiod${rev ? `-${rev}` : ''}.${goString(value(d, 'global.istioNamespace'))}.svc:15012`,
  });
  env.push(fieldRef('POD_NAME', 'metadata.name'), fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    fieldRef('INSTANCE_IP', 'status.podIP'), fieldRef('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldRef('HOST_IP', 'status.hostIP'), resourceRef('ISTIO_CPU_LIMIT', 'limits.cpu'));
  env.push({ name: 'PROXY_CONFIG', value: proxyConfigJSON(d.proxyConfig) + '\n' });
  env.push({ name: 'ISTIO_META_POD_PORTS', value: podPortsJSON(d.spec) });
  env.push({ name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(d).join(',') });
  env.push(resourceRef('GOMEMLIMIT', 'limits.memory'));
  if (d.compliancePolicy) {
    env.push({ name: 'COMPLIANCE_POLICY', value: d.compliancePolicy });
    if (d.compliancePolicy === 'fips-140-3') env.push({ name: 'GODEBUG', value: 'fips140=only' });
  }
  env.push({ name: 'ISTIO_META_CLUSTER_ID', value: goString(value(d, 'global.multiCluster.clusterName')) || 'Kubernetes' });
  env.push(fieldRef('ISTIO_META_NODE_NAME', 'spec.nodeName'));
  env.push({
    name: 'ISTIO_META_INTERCEPTION_MODE',
    value: d.annotations['sidecar.istio.io/interceptionMode'] || goString(d.proxyConfig['interceptionMode']) || 'REDIRECT',
  });
  const network = goString(value(d, 'global.network'));
  if (network) env.push({ name: 'ISTIO_META_NETWORK', value: network });
  const workload = d.labels['service.istio.io/workload-name'] || d.deployMeta.name;
  if (workload) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: workload });
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
  if (value(d, 'global.proxy.tracer') === 'datadog' && d.annotations['apm.datadoghq.com/env'] !== undefined) {
    const dd = JSON.parse(d.annotations['apm.datadoghq.com/env']) as JsonValue;
    if (isObj(dd)) for (const k of Object.keys(dd).sort()) env.push({ name: k, value: goString(dd[k]) });
  }
  const md = d.proxyConfig['proxyMetadata'];
  if (isObj(md)) for (const k of Object.keys(md).sort()) env.push({ name: k, value: goString(md[k]) });
  return env;
}
