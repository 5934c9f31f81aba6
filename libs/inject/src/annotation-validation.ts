// Validation of the injection annotations a pod may carry; a bad value fails injection with a message
// naming the annotation, the value and the reason.
import { isIP } from 'node:net';
import { parseGoBool } from './app-probes.ts';
import { parseProxyConfigAnnotation } from './proxy-config.ts';
import { isQuantity } from './quantity.ts';

type Check = (v: string) => string | undefined;

function uintCheck(bits: number): Check {
  const max = 2 ** bits - 1;
  return (v) => (/^\d+$/.test(v) && Number(v) <= max ? undefined : `must be an unsigned ${bits}-bit integer`);
}

function port(v: string): string | undefined {
  const t = v.trim();
  return /^\d+$/.test(t) && Number(t) <= 65535 ? undefined : `failed parsing port "${t}"`;
}

const portList: Check = (v) => {
  if (v.trim() === '') return undefined;
  for (const p of v.split(',')) {
    const e = port(p);
    if (e) return `portList "${v}" invalid: ${e}`;
  }
  return undefined;
};
const portListWildcard: Check = (v) => (v === '*' ? undefined : portList(v));

function cidr(v: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const fam = isIP(m[1] as string);
  return fam !== 0 && Number(m[2]) <= (fam === 4 ? 32 : 128);
}
const cidrList: Check = (v) => {
  if (v === '') return undefined;
  for (const c of v.split(',')) if (!cidr(c.trim())) return `IPRanges invalid: "${c}" is not a valid CIDR`;
  return undefined;
};
const cidrListWildcard: Check = (v) => (v === '*' ? undefined : cidrList(v));

const interfaces: Check = (v) => {
  for (const i of v.split(',')) {
    const t = i.trim();
    if (t === '' || t.length > 15 || /[\s/:]/.test(t)) return `interface name "${t}" invalid`;
  }
  return undefined;
};

const quantity: Check = (v) => (isQuantity(v.trim()) && !/\p{Cc}/u.test(v) ? undefined : 'quantity is not a valid resource quantity');

const checks: Record<string, Check> = {
  'sidecar.istio.io/interceptionMode': (v) => (['REDIRECT', 'TPROXY', 'NONE'].includes(v) ? undefined : 'must be one of REDIRECT, TPROXY, NONE'),
  'status.sidecar.istio.io/port': uintCheck(16),
  'readiness.status.sidecar.istio.io/initialDelaySeconds': uintCheck(32),
  'readiness.status.sidecar.istio.io/periodSeconds': uintCheck(32),
  'readiness.status.sidecar.istio.io/failureThreshold': uintCheck(32),
  'traffic.sidecar.istio.io/includeOutboundIPRanges': cidrListWildcard,
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': cidrList,
  'traffic.sidecar.istio.io/includeInboundPorts': portListWildcard,
  'traffic.sidecar.istio.io/excludeInboundPorts': portList,
  'traffic.sidecar.istio.io/includeOutboundPorts': portList,
  'traffic.sidecar.istio.io/excludeOutboundPorts': portList,
  'traffic.sidecar.istio.io/excludeInterfaces': interfaces,
  'traffic.sidecar.istio.io/kubevirtInterfaces': interfaces,
  'istio.io/reroute-virtual-interfaces': interfaces,
  'prometheus.istio.io/merge-metrics': (v) => (parseGoBool(v) === undefined ? 'must be a boolean' : undefined),
  'proxy.istio.io/config': (v) => {
    try {
      parseProxyConfigAnnotation(v);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  },
  'sidecar.istio.io/proxyCPU': quantity,
  'sidecar.istio.io/proxyMemory': quantity,
  'sidecar.istio.io/proxyCPULimit': quantity,
  'sidecar.istio.io/proxyMemoryLimit': quantity,
};

/** Returns one message per invalid annotation (empty when all are valid). */
export function validateAnnotations(annotations: Record<string, string>): string[] {
  const errors: string[] = [];
  for (const name of Object.keys(annotations).sort()) {
    const check = checks[name];
    const reason = check?.(annotations[name] as string);
    if (reason) errors.push(`invalid value '${annotations[name]}' for annotation '${name}': ${reason}`);
  }
  return errors;
}
