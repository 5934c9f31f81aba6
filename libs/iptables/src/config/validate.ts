// Checks a parsed config the way upstream Validate() does, plus value checks that would otherwise only fail
// later inside iptables-restore. Every message names the flag or variable and says what is expected.
import { splitList, type IptablesConfig } from './config.ts';
import { parsePrefix } from './ip-prefix.ts';

const MAX_OWNER_GROUPS_INCLUDE = 64;

function checkPort(errors: string[], name: string, value: string): void {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) errors.push(`${name}: "${value}" is not a port number (0-65535)`);
}

function checkPortList(errors: string[], name: string, value: string): void {
  if (value === '*') return;
  for (const port of splitList(value)) {
    if (!/^\d{1,5}(:\d{1,5})?$/.test(port)) errors.push(`${name}: "${port}" is not a port or port range`);
  }
}

function checkNames(errors: string[], name: string, value: string, what: string): void {
  for (const item of splitList(value)) {
    if (!/^[\w.@:+-]+$/.test(item)) errors.push(`${name}: "${item}" is not a valid ${what}`);
  }
}

/** Returns every problem with the config; empty when it can be applied. */
export function validateConfig(config: IptablesConfig): string[] {
  const errors: string[] = [];
  checkPort(errors, '--envoy-port (-p)', config.proxyPort);
  checkPort(errors, '--inbound-capture-port (-z)', config.inboundCapturePort);
  checkPort(errors, '--inbound-tunnel-port (-e)', config.inboundTunnelPort);
  checkPortList(errors, '--istio-inbound-ports (-b)', config.inboundPortsInclude);
  checkPortList(errors, '--istio-local-exclude-ports (-d)', config.inboundPortsExclude);
  checkPortList(errors, '--istio-outbound-ports (-q)', config.outboundPortsInclude);
  checkPortList(errors, '--istio-local-outbound-ports-exclude (-o)', config.outboundPortsExclude);
  checkNames(errors, '--proxy-uid (-u)', config.proxyUID, 'user id');
  checkNames(errors, '--proxy-gid (-g)', config.proxyGID, 'group id');
  checkNames(errors, '--istio-exclude-interfaces (-c)', config.excludeInterfaces, 'interface name');
  checkNames(errors, '--kube-virt-interfaces (-k)', config.rerouteVirtualInterfaces, 'interface name');
  if (!/^\d+$/.test(config.inboundTProxyMark)) {
    errors.push(`--istio-inbound-tproxy-mark (-t): "${config.inboundTProxyMark}" is not a decimal mark`);
  }
  if (!/^\d+$/.test(config.inboundTProxyRouteTable)) {
    errors.push(`--istio-inbound-tproxy-route-table (-r): "${config.inboundTProxyRouteTable}" is not a routing table number`);
  }
  if (config.outboundIPRangesExclude === '*') {
    errors.push('--istio-service-exclude-cidr (-x): invalid value for OUTBOUND_IP_RANGES_EXCLUDE ("*" is not allowed)');
  }
  if (config.ownerGroupsInclude !== '*') {
    const groups = splitList(config.ownerGroupsInclude);
    if (groups.length > MAX_OWNER_GROUPS_INCLUDE) {
      errors.push(
        `ISTIO_OUTBOUND_OWNER_GROUPS: number of owner groups whose outgoing traffic should be redirected to Envoy ` +
          `cannot exceed ${MAX_OWNER_GROUPS_INCLUDE}, got ${groups.length}`,
      );
    }
  }
  checkNames(errors, 'ISTIO_OUTBOUND_OWNER_GROUPS', config.ownerGroupsInclude === '*' ? '' : config.ownerGroupsInclude, 'group');
  checkNames(errors, 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE', config.ownerGroupsExclude, 'group');
  const loopback = parsePrefix(config.hostIPv4LoopbackCidr);
  if (!loopback) {
    errors.push(`ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: failed to parse CIDR "${config.hostIPv4LoopbackCidr}"`);
  } else {
    const bits = Number(config.hostIPv4LoopbackCidr.split('/')[1]);
    if (!loopback.is4 || !loopback.isLoopback) {
      errors.push(`ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: expected an IPv4 loopback address in CIDR "${config.hostIPv4LoopbackCidr}"`);
    } else if (bits < 8 || bits > 32) {
      errors.push(`ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: expected CIDR "${config.hostIPv4LoopbackCidr}" to have a mask in [8, 32]`);
    }
  }
  if (!['', 'legacy', 'nft'].includes(config.forceIptablesBinary)) {
    errors.push(`--force-iptables-binary: "${config.forceIptablesBinary}" is not one of legacy, nft`);
  }
  if (config.nativeNftables && config.forceIptablesBinary !== '') {
    errors.push('--native-nftables cannot be combined with --force-iptables-binary; choose one');
  }
  return errors;
}
