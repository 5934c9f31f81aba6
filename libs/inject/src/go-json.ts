// JSON text of Kubernetes containers as Go's encoding/json writes typed structs: struct field order,
// `resources` always present. Used for annotations that embed containers (proxy.istio.io/overrides).
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { isObj } from './json-util.ts';
import { canonicalQuantity } from './quantity.ts';

const orders: Record<string, string[]> = {
  container: ['name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy',
    'restartPolicy', 'restartPolicyRules', 'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe',
    'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin',
    'stdinOnce', 'tty'],
  probe: ['exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds',
    'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'],
  handler: ['exec', 'httpGet', 'tcpSocket', 'sleep'],
  httpGet: ['path', 'port', 'host', 'scheme', 'httpHeaders'],
  securityContext: ['capabilities', 'privileged', 'seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup',
    'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount', 'seccompProfile', 'appArmorProfile'],
  capabilities: ['add', 'drop'],
  resources: ['limits', 'requests', 'claims'],
  volumeMount: ['name', 'readOnly', 'recursiveReadOnly', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr'],
  env: ['name', 'value', 'valueFrom'],
  port: ['name', 'hostPort', 'containerPort', 'protocol', 'hostIP'],
  lifecycle: ['postStart', 'preStop', 'stopSignal'],
};

const childKinds: Record<string, Record<string, string>> = {
  container: {
    livenessProbe: 'probe', readinessProbe: 'probe', startupProbe: 'probe', securityContext: 'securityContext',
    resources: 'resources', lifecycle: 'lifecycle', volumeMounts: 'volumeMount', env: 'env', ports: 'port',
  },
  probe: { httpGet: 'httpGet' },
  resources: { limits: 'quantities', requests: 'quantities' },
  handler: { httpGet: 'httpGet' },
  lifecycle: { postStart: 'handler', preStop: 'handler' },
  securityContext: { capabilities: 'capabilities' },
};

function ordered(v: JsonValue, kind: string | undefined): JsonValue {
  if (Array.isArray(v)) return v.map((x) => ordered(x, kind));
  if (!isObj(v)) return v;
  if (kind === 'quantities') {
    const q: JsonObject = {};
    for (const k of Object.keys(v).sort()) q[k] = canonicalQuantity(v[k] as string | number);
    return q;
  }
  const order = kind ? orders[kind] : undefined;
  const keys = Object.keys(v);
  const rank = (k: string): number => {
    const i = order ? order.indexOf(k) : -1;
    return i < 0 ? 1000 : i;
  };
  const sortedKeys = order ? keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)) : keys.sort();
  const out: JsonObject = {};
  for (const k of sortedKeys) out[k] = ordered(v[k] as JsonValue, kind ? childKinds[kind]?.[k] : undefined);
  if (kind === 'container' && out['resources'] === undefined) {
    const withRes: JsonObject = {};
    for (const k of Object.keys(out).concat('resources').sort((a, b) => rank(a) - rank(b))) {
      withRes[k] = k === 'resources' ? (out[k] ?? {}) : (out[k] as JsonValue);
    }
    return withRes;
  }
  return out;
}

/** JSON of `{containers, initContainers}` (empty lists omitted) as upstream writes the overrides annotation. */
export function containersJSON(containers: JsonObject[], initContainers: JsonObject[]): string {
  const out: JsonObject = {};
  if (containers.length > 0) out['containers'] = containers.map((c) => ordered(c, 'container'));
  if (initContainers.length > 0) out['initContainers'] = initContainers.map((c) => ordered(c, 'container'));
  return JSON.stringify(out);
}
