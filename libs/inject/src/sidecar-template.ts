// The `sidecar` injection template (upstream files/injection-template.yaml) written as a function:
// template data in, partial pod out. Field values follow the upstream template exactly.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { clone, goString, isObj, truthy } from './json-util.ts';
import { agentArgs, proxyImageFor, setImagePullSecrets, templateVolumes } from './template-shared.ts';
import {
  annotationOr, appContainerNames, excludeInboundPort, interceptionMode, nativeSidecar, proxyResources,
  statusPort, value, type RenderedPod, type TemplateData,
} from './template-data.ts';
import { cniAnnotations, initContainer } from './sidecar-init.ts';
import { proxyEnv } from './sidecar-env.ts';

/** Renders the default `sidecar` template. */
export function renderSidecar(d: TemplateData): RenderedPod {
  const native = nativeSidecar(d);
  const names = appContainerNames(d);
  const annotations: Record<string, string> = { 'istio.io/rev': d.revision || 'default' };
  if (names.length >= 1) {
    if (d.annotations['kubectl.kubernetes.io/default-logs-container'] === undefined) {
      annotations['kubectl.kubernetes.io/default-logs-container'] = names[0] as string;
    }
    if (d.annotations['kubectl.kubernetes.io/default-container'] === undefined) {
      annotations['kubectl.kubernetes.io/default-container'] = names[0] as string;
    }
  }
  if (truthy(value(d, 'pilot.cni.enabled'))) Object.assign(annotations, cniAnnotations(d));

  const hold = (d.proxyConfig['holdApplicationUntilProxyStarts'] === true ||
    value(d, 'global.proxy.holdApplicationUntilProxyStarts') === true) && !native;
  const mode = interceptionMode(d);
  const spec: JsonObject = {};
  const inits: JsonObject[] = [];
  if (!(mode === 'NONE' && !native)) {
    if (mode !== 'NONE') inits.push(initContainer(d));
  }
  const proxy = proxyContainer(d, native, hold);
  if (native) inits.push(proxy);
  if (inits.length > 0) spec['initContainers'] = inits;
  if (!native) spec['containers'] = [proxy];
  spec['volumes'] = volumes(d);
  setImagePullSecrets(spec, d);
  return { metadata: { labels: sidecarLabels(d), annotations }, spec };
}

/** Labels every sidecar template sets (tls mode, canonical service name and revision). */
export function sidecarLabels(d: TemplateData): Record<string, string> {
  const l = d.labels;
  const out: Record<string, string> = { 'security.istio.io/tlsMode': l['security.istio.io/tlsMode'] || 'istio' };
  if (goString(metadataOf(d)['ISTIO_META_ENABLE_HBONE']) === 'true') {
    out['networking.istio.io/tunnel'] = l['networking.istio.io/tunnel'] || 'http';
  }
  out['service.istio.io/canonical-name'] = canonicalName(d);
  out['service.istio.io/canonical-revision'] = l['service.istio.io/canonical-revision'] ||
    l['app.kubernetes.io/version'] || l['version'] || 'latest';
  return out;
}

function canonicalName(d: TemplateData): string {
  const l = d.labels;
  const name = l['service.istio.io/canonical-name'] || l['app.kubernetes.io/name'] || l['app'] || d.deployMeta.name;
  return Array.from(name).slice(0, 63).join('').replace(/^[-_.]+|[-_.]+$/g, '');
}

/** The ProxyConfig's proxyMetadata map. */
export function metadataOf(d: TemplateData): JsonObject {
  const m = d.proxyConfig['proxyMetadata'];
  return isObj(m) ? m : {};
}

function proxyContainer(d: TemplateData, native: boolean, hold: boolean): JsonObject {
  const tproxy = interceptionMode(d) === 'TPROXY';
  const capBind = annotationOr(d, 'sidecar.istio.io/capNetBindService', value(d, 'global.proxy.capNetBindService')) === 'true';
  const c: JsonObject = { name: 'istio-proxy' };
  c['image'] = proxyImageFor(d);
  if (native) c['restartPolicy'] = 'Always';
  c['ports'] = [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }];
  const args = agentArgs(d, 'sidecar');
  if (truthy(value(d, 'global.proxy.outlierLogPath'))) {
    args.push(`--outlierLogPath=${goString(value(d, 'global.proxy.outlierLogPath'))}`);
  }
  c['args'] = args;
  const lifecycle = value(d, 'global.proxy.lifecycle');
  if (truthy(lifecycle) && lifecycle !== undefined) c['lifecycle'] = clone(lifecycle);
  else if (hold) c['lifecycle'] = { postStart: { exec: { command: ['pilot-agent', 'wait'] } } };
  else if (native) {
    c['lifecycle'] = {
      preStop: { exec: { command: ['pilot-agent', 'request', `--debug-port=${statusPort(d)}`, 'POST', 'drain'] } },
    };
  }
  c['env'] = proxyEnv(d);
  const pullPolicy = value(d, 'global.imagePullPolicy');
  if (truthy(pullPolicy)) c['imagePullPolicy'] = goString(pullPolicy);
  if (statusPort(d) !== '0') {
    if (truthy(value(d, 'global.proxy.startupProbe.enabled'))) {
      c['startupProbe'] = {
        httpGet: { path: '/healthz/ready', port: 15021 }, periodSeconds: 1, timeoutSeconds: 3,
        failureThreshold: toInt(value(d, 'global.proxy.startupProbe.failureThreshold')),
      };
    }
    c['readinessProbe'] = {
      httpGet: { path: '/healthz/ready', port: 15021 },
      initialDelaySeconds: toInt(annotationOr(d, 'readiness.status.sidecar.istio.io/initialDelaySeconds',
        value(d, 'global.proxy.readinessInitialDelaySeconds'))),
      periodSeconds: toInt(annotationOr(d, 'readiness.status.sidecar.istio.io/periodSeconds',
        value(d, 'global.proxy.readinessPeriodSeconds'))),
      timeoutSeconds: 3,
      failureThreshold: toInt(annotationOr(d, 'readiness.status.sidecar.istio.io/failureThreshold',
        value(d, 'global.proxy.readinessFailureThreshold'))),
    };
  }
  c['securityContext'] = proxySecurityContext(d, tproxy, capBind);
  const res = proxyResources(d);
  if (res) c['resources'] = res;
  c['volumeMounts'] = volumeMounts(d);
  return c;
}

function toInt(v: JsonValue | undefined): JsonValue {
  const n = Number(goString(v));
  return Number.isFinite(n) ? n : goString(v);
}

function proxySecurityContext(d: TemplateData, tproxy: boolean, capBind: boolean): JsonObject {
  const gid = d.proxyGID;
  const privileged = value(d, 'global.proxy.privileged') === true;
  let sc: JsonObject;
  if (goString(metadataOf(d)['IPTABLES_TRACE_LOGGING']) === 'true') {
    sc = {
      allowPrivilegeEscalation: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, privileged: true,
      readOnlyRootFilesystem: true, runAsGroup: gid, runAsNonRoot: false, runAsUser: 0,
    };
  } else {
    const add: JsonValue[] = [];
    if (tproxy) add.push('NET_ADMIN');
    if (capBind) add.push('NET_BIND_SERVICE');
    sc = {
      allowPrivilegeEscalation: privileged,
      capabilities: add.length > 0 ? { add, drop: ['ALL'] } : { drop: ['ALL'] },
      privileged,
      readOnlyRootFilesystem: true,
      ...(tproxy || capBind
        ? { runAsNonRoot: false, runAsUser: 0, runAsGroup: 1337 }
        : { runAsNonRoot: true, runAsUser: d.proxyUID, runAsGroup: gid }),
    };
  }
  const seccomp = value(d, 'global.proxy.seccompProfile');
  if (truthy(seccomp) && seccomp !== undefined) sc['seccompProfile'] = clone(seccomp);
  return sc;
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
  if (value(d, 'global.pilotCertProvider') === 'istiod') {
    m.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' });
    m.push({ mountPath: '/var/run/secrets/istio/crl', name: 'istio-ca-crl' });
  }
  m.push({ mountPath: '/var/lib/istio/data', name: 'istio-data' });
  if (d.annotations['sidecar.istio.io/bootstrapOverride'] !== undefined) {
    m.push({ mountPath: '/etc/istio/custom-bootstrap', name: 'custom-bootstrap-volume' });
  }
  m.push({ mountPath: '/etc/istio/proxy', name: 'istio-envoy' });
  m.push({ mountPath: '/var/run/secrets/tokens', name: 'istio-token' });
  if (truthy(value(d, 'global.mountMtlsCerts'))) m.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  m.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  m.push(...userEntries(d.annotations['sidecar.istio.io/userVolumeMount']));
  return m;
}

/** Parses a `{"name": {...}}` JSON annotation into named entries (sorted by name, as Go ranges maps). */
export function userEntries(raw: string | undefined): JsonObject[] {
  if (raw === undefined) return [];
  const parsed = JSON.parse(raw) as JsonValue;
  if (!isObj(parsed)) return [];
  return Object.keys(parsed).sort().map((name) => ({ name, ...(isObj(parsed[name]) ? parsed[name] as JsonObject : {}) }));
}

function volumes(d: TemplateData): JsonValue[] {
  return [...templateVolumes(d, { credentialSocket: 'plain', workloadCertsEmptyDir: false, memoryVolume: 'istio-envoy', crl: true }), ...userEntries(d.annotations['sidecar.istio.io/userVolume'])];
}

export { excludeInboundPort };
