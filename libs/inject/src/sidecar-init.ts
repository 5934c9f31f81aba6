// The traffic-capture parts of the sidecar template: the istio-init (or CNI istio-validation) container
// and, in CNI mode, the annotations the CNI plugin reads to build the same iptables rules.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { clone, goString, isObj, truthy } from './json-util.ts';
import {
  annotationOr, excludeInboundPort, interceptionMode, proxyResources, statusPort, value, type TemplateData,
} from './template-data.ts';

function a(d: TemplateData, name: string, valuesPath: string): string {
  return annotationOr(d, name, value(d, valuesPath));
}

function excludedInbound(d: TemplateData): string {
  return excludeInboundPort(statusPort(d), a(d, 'traffic.sidecar.istio.io/excludeInboundPorts', 'global.proxy.excludeInboundPorts'));
}

/** Annotations recording the capture settings for the CNI plugin. */
export function cniAnnotations(d: TemplateData): Record<string, string> {
  const out: Record<string, string> = {};
  if (value(d, 'pilot.cni.provider') === 'multus') {
    out['k8s.v1.cni.cncf.io/networks'] = appendMultusNetwork(d.annotations['k8s.v1.cni.cncf.io/networks'] ?? '', 'default/istio-cni');
  }
  out['sidecar.istio.io/interceptionMode'] = interceptionMode(d);
  const inc = a(d, 'traffic.sidecar.istio.io/includeOutboundIPRanges', 'global.proxy.includeIPRanges');
  if (inc !== '') out['traffic.sidecar.istio.io/includeOutboundIPRanges'] = inc;
  const exc = a(d, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', 'global.proxy.excludeIPRanges');
  if (exc !== '') out['traffic.sidecar.istio.io/excludeOutboundIPRanges'] = exc;
  out['traffic.sidecar.istio.io/includeInboundPorts'] = a(d, 'traffic.sidecar.istio.io/includeInboundPorts', 'global.proxy.includeInboundPorts');
  out['traffic.sidecar.istio.io/excludeInboundPorts'] = excludedInbound(d);
  if (d.annotations['traffic.sidecar.istio.io/includeOutboundPorts'] !== undefined ||
    goString(value(d, 'global.proxy.includeOutboundPorts')) !== '') {
    out['traffic.sidecar.istio.io/includeOutboundPorts'] = a(d, 'traffic.sidecar.istio.io/includeOutboundPorts', 'global.proxy.includeOutboundPorts');
  }
  if (d.annotations['traffic.sidecar.istio.io/excludeOutboundPorts'] !== undefined ||
    goString(value(d, 'global.proxy.excludeOutboundPorts')) !== '') {
    out['traffic.sidecar.istio.io/excludeOutboundPorts'] = a(d, 'traffic.sidecar.istio.io/excludeOutboundPorts', 'global.proxy.excludeOutboundPorts');
  }
  for (const k of ['traffic.sidecar.istio.io/kubevirtInterfaces', 'istio.io/reroute-virtual-interfaces', 'traffic.sidecar.istio.io/excludeInterfaces']) {
    const v = d.annotations[k];
    if (v) out[k] = v;
  }
  return out;
}

/** Appends a network to a multus `k8s.v1.cni.cncf.io/networks` value (comma list or JSON list). */
export function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const trimmed = existing.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as JsonValue;
      if (Array.isArray(parsed)) {
        const has = parsed.some((n) => isObj(n) && n['name'] === 'istio-cni' && (n['namespace'] ?? 'default') === 'default');
        if (has) return existing;
        parsed.push({ name: 'istio-cni', namespace: 'default' });
        return JSON.stringify(parsed);
      }
    } catch {
      // fall through: treat as a comma list
    }
  }
  const parts = existing.split(',').map((s) => s.trim());
  if (parts.includes(network) || parts.includes('istio-cni')) return existing;
  return `${existing}, ${network}`;
}

/** The istio-init / istio-validation container. */
export function initContainer(d: TemplateData): JsonObject {
  const cni = truthy(value(d, 'pilot.cni.enabled'));
  const tproxy = interceptionMode(d) === 'TPROXY';
  const c: JsonObject = { name: cni ? 'istio-validation' : 'istio-init' };
  const img = a(d, 'sidecar.istio.io/proxyImage', 'global.proxy_init.image');
  c['image'] = img.includes('/') ? img : d.proxyInitImage;
  const meshPort = (k: string, def: string): string => {
    const v = d.mesh[k];
    return v === undefined || v === null || v === 0 || v === '' ? def : goString(v);
  };
  const args: JsonValue[] = [
    'istio-iptables',
    '-p', meshPort('proxyListenPort', '15001'),
    '-z', meshPort('proxyInboundListenPort', '15006'),
    '-u', tproxy ? '1337' : String(d.proxyUID || 1337),
    '-m', interceptionMode(d),
    '-i', a(d, 'traffic.sidecar.istio.io/includeOutboundIPRanges', 'global.proxy.includeIPRanges'),
    '-x', a(d, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', 'global.proxy.excludeIPRanges'),
    '-b', a(d, 'traffic.sidecar.istio.io/includeInboundPorts', 'global.proxy.includeInboundPorts'),
    '-d',
  ];
  const ex = excludedInbound(d);
  args.push(ex ? `15090,15021,${ex}` : '15090,15021');
  if (d.annotations['traffic.sidecar.istio.io/includeOutboundPorts'] !== undefined ||
    goString(value(d, 'global.proxy.includeOutboundPorts')) !== '') {
    args.push('-q', a(d, 'traffic.sidecar.istio.io/includeOutboundPorts', 'global.proxy.includeOutboundPorts'));
  }
  if (d.annotations['traffic.sidecar.istio.io/excludeOutboundPorts'] !== undefined ||
    goString(value(d, 'global.proxy.excludeOutboundPorts')) !== '') {
    args.push('-o', a(d, 'traffic.sidecar.istio.io/excludeOutboundPorts', 'global.proxy.excludeOutboundPorts'));
  }
  const reroute = d.annotations['istio.io/reroute-virtual-interfaces'];
  const kubevirt = d.annotations['traffic.sidecar.istio.io/kubevirtInterfaces'];
  if (reroute !== undefined) args.push('-k', reroute);
  else if (kubevirt !== undefined) args.push('-k', kubevirt);
  const excludeIf = d.annotations['traffic.sidecar.istio.io/excludeInterfaces'];
  if (excludeIf !== undefined) args.push('-c', excludeIf);
  args.push(`--log_output_level=${annotationOr(d, 'sidecar.istio.io/agentLogLevel', value(d, 'global.logging.level'))}`);
  if (truthy(value(d, 'global.logAsJson'))) args.push('--log_as_json');
  if (cni) args.push('--run-validation', '--skip-rule-apply');
  else if (truthy(value(d, 'global.proxy_init.forceApplyIptables'))) args.push('--force-apply');
  if (truthy(value(d, 'global.nativeNftables'))) args.push('--native-nftables');
  c['args'] = args;
  const pullPolicy = value(d, 'global.imagePullPolicy');
  if (truthy(pullPolicy)) c['imagePullPolicy'] = goString(pullPolicy);
  const md = d.proxyConfig['proxyMetadata'];
  if (isObj(md) && Object.keys(md).length > 0) {
    c['env'] = Object.keys(md).sort().map((k) => ({ name: k, value: goString(md[k]) }));
  }
  const res = proxyResources(d);
  if (res) c['resources'] = res;
  const privileged = value(d, 'global.proxy.privileged') === true;
  const sc: JsonObject = {
    allowPrivilegeEscalation: privileged,
    privileged,
    capabilities: cni ? { drop: ['ALL'] } : { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
  };
  if (!cni) Object.assign(sc, { readOnlyRootFilesystem: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 });
  else {
    Object.assign(sc, {
      readOnlyRootFilesystem: true,
      runAsGroup: tproxy ? 1337 : d.proxyGID || 1337,
      runAsUser: tproxy ? 1337 : d.proxyUID || 1337,
      runAsNonRoot: true,
    });
  }
  const seccomp = value(d, 'global.proxy.seccompProfile');
  if (truthy(seccomp) && seccomp !== undefined) sc['seccompProfile'] = clone(seccomp);
  c['securityContext'] = sc;
  return c;
}
