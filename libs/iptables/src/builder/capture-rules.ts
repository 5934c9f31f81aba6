// Pure rule generation: config → RuleBuilder, in the exact order upstream capture/run.go Run() adds rules
// (the order is what the goldens encode). No I/O here.
import { splitList, TPROXY, type IptablesConfig } from '../config/config.ts';
import {
  INBOUND_PASSTHROUGH_V4,
  INBOUND_PASSTHROUGH_V6,
  ISTIO_DIVERT,
  ISTIO_DROP,
  ISTIO_IN_REDIRECT,
  ISTIO_INBOUND,
  ISTIO_OUTPUT,
  ISTIO_REDIRECT,
  ISTIO_TPROXY,
  LOOPBACK_V6,
  OUTBOUND_MARK,
} from './chains.ts';
import { addDnsRedirect } from './dns-rules.ts';
import { separateV4V6, type NetworkRange } from './network-range.ts';
import { addOwnerGroupFilter } from './owner-groups.ts';
import { IP_VERSION_SPECIFIC as IPV, RuleBuilder } from './rule-builder.ts';

/** The rules for a config, plus notes about inputs that were ignored or features that were turned off. */
export interface CaptureRules {
  builder: RuleBuilder;
  warnings: string[];
  /** Whether DNS capture is actually on (redirect-dns may be disabled for lack of servers). */
  redirectDNS: boolean;
}

/** Builds every capture rule for the config (upstream IptablesConfigurator.Run, minus execution). */
export function buildCaptureRules(cfg: IptablesConfig): CaptureRules {
  const rb = new RuleBuilder(cfg.enableIPv6);
  const warnings: string[] = [];
  const tproxy = cfg.inboundInterceptionMode === TPROXY;
  const loop4 = cfg.hostIPv4LoopbackCidr;

  const exclude = separateV4V6(cfg.outboundIPRangesExclude);
  const include = separateV4V6(cfg.outboundIPRangesInclude);
  for (const bad of [...exclude.ignored, ...include.ignored]) warnings.push(`ignoring invalid CIDR "${bad}"`);
  if (exclude.v4.isWildcard) throw new Error('invalid value for OUTBOUND_IP_RANGES_EXCLUDE: "*" is not allowed');

  let redirectDNS = cfg.redirectDNS;
  if (redirectDNS && !cfg.captureAllDNS && cfg.dnsServersV4.length === 0 && cfg.dnsServersV6.length === 0) {
    warnings.push('REDIRECT_DNS is set, but CAPTURE_ALL_DNS is false, and no DNS servers provided. DNS capture disabled.');
    redirectDNS = false;
  }

  // 1. Interfaces that are never captured.
  for (const nic of splitList(cfg.excludeInterfaces)) {
    rb.append('PREROUTING', 'nat', '-i', nic, '-j', 'RETURN');
    rb.append('OUTPUT', 'nat', '-o', nic, '-j', 'RETURN');
  }
  if (tproxy) {
    for (const nic of splitList(cfg.excludeInterfaces)) {
      rb.append('PREROUTING', 'mangle', '-i', nic, '-j', 'RETURN');
      rb.append('OUTPUT', 'mangle', '-o', nic, '-j', 'RETURN');
    }
  }
  // 2. Virtual (KubeVirt) interfaces: their inbound is not inbound capture.
  for (const nic of splitList(cfg.rerouteVirtualInterfaces)) rb.insert('PREROUTING', 'nat', 1, '-i', nic, '-j', 'RETURN');
  // 3. Drop out-of-window packets instead of letting them reset connections.
  if (cfg.dropInvalid) {
    rb.append('PREROUTING', 'mangle', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', ISTIO_DROP);
    rb.append(ISTIO_DROP, 'mangle', '-j', 'DROP');
  }
  // 4-5. Tunnel port bypass and the two redirect chains.
  rb.append(ISTIO_INBOUND, 'nat', '-p', 'tcp', '--dport', cfg.inboundTunnelPort, '-j', 'RETURN');
  rb.append(ISTIO_REDIRECT, 'nat', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', cfg.proxyPort);
  rb.append(ISTIO_IN_REDIRECT, 'nat', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', cfg.inboundCapturePort);
  // 6. Inbound ports.
  addInboundCapture(rb, cfg, tproxy);
  // 7. Outbound entry point and port exclusions (before the loopback-to-self redirect).
  rb.append('OUTPUT', 'nat', '-j', ISTIO_OUTPUT);
  for (const port of splitList(cfg.outboundPortsExclude)) {
    rb.append(ISTIO_OUTPUT, 'nat', '-p', 'tcp', '--dport', port, '-j', 'RETURN');
    rb.append(ISTIO_OUTPUT, 'nat', '-p', 'udp', '--dport', port, '-j', 'RETURN');
  }
  // 8. Traffic the proxy sends from the inbound passthrough address.
  rb.appendVersioned(INBOUND_PASSTHROUGH_V4, INBOUND_PASSTHROUGH_V6, ISTIO_OUTPUT, 'nat', '-o', 'lo', '-s', IPV, '-j', 'RETURN');
  // 9. Proxy-owned traffic, per UID then per GID.
  const loopbackIncluded = include.v4.hasLoopback || include.v6.hasLoopback;
  addProxyOwnerRules(rb, cfg, '--uid-owner', splitList(cfg.proxyUID), redirectDNS, loopbackIncluded);
  addProxyOwnerRules(rb, cfg, '--gid-owner', splitList(cfg.proxyGID), redirectDNS, loopbackIncluded);
  // 10. Only capture the configured owner groups.
  addOwnerGroupFilter(rb, cfg.ownerGroupsInclude, cfg.ownerGroupsExclude);
  // 11. DNS.
  if (redirectDNS) {
    addDnsRedirect(rb, {
      proxyUID: cfg.proxyUID,
      proxyGID: cfg.proxyGID,
      serversV4: cfg.dnsServersV4,
      serversV6: cfg.dnsServersV6,
      captureAll: cfg.captureAllDNS,
    });
  }
  // 12. Localhost is never redirected; then CIDR exclusions, port inclusions and CIDR inclusions.
  rb.appendVersioned(loop4, LOOPBACK_V6, ISTIO_OUTPUT, 'nat', '-d', IPV, '-j', 'RETURN');
  for (const cidr of exclude.v4.cidrs) rb.appendV4(ISTIO_OUTPUT, 'nat', '-d', cidr, '-j', 'RETURN');
  for (const cidr of exclude.v6.cidrs) rb.appendV6(ISTIO_OUTPUT, 'nat', '-d', cidr, '-j', 'RETURN');
  for (const port of splitList(cfg.outboundPortsInclude)) rb.append(ISTIO_OUTPUT, 'nat', '-p', 'tcp', '--dport', port, '-j', ISTIO_REDIRECT);
  addOutboundInclude(rb, cfg, include.v4, 'v4');
  addOutboundInclude(rb, cfg, include.v6, 'v6');
  // 13. TPROXY bookkeeping.
  if (tproxy) addTproxyMarks(rb, cfg);
  return { builder: rb, warnings, redirectDNS };
}

function addInboundCapture(rb: RuleBuilder, cfg: IptablesConfig, tproxy: boolean): void {
  if (cfg.inboundPortsInclude === '') return;
  const table = tproxy ? 'mangle' : 'nat';
  if (tproxy) {
    // Marked packets are routed to lo (ISTIO_DIVERT); new connections are handed to the proxy by TPROXY.
    rb.append(ISTIO_DIVERT, 'mangle', '-j', 'MARK', '--set-mark', cfg.inboundTProxyMark);
    rb.append(ISTIO_DIVERT, 'mangle', '-j', 'ACCEPT');
    rb.appendVersioned(cfg.hostIPv4LoopbackCidr, LOOPBACK_V6, ISTIO_TPROXY, 'mangle', '!', '-d', IPV, '-p', 'tcp', '-j', 'TPROXY',
      '--tproxy-mark', `${cfg.inboundTProxyMark}/0xffffffff`, '--on-port', cfg.inboundCapturePort);
  }
  rb.append('PREROUTING', table, '-p', 'tcp', '-j', ISTIO_INBOUND);
  const capture = (...match: string[]): void => {
    if (tproxy) {
      rb.append(ISTIO_INBOUND, 'mangle', '-p', 'tcp', ...match, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', ISTIO_DIVERT);
      rb.append(ISTIO_INBOUND, 'mangle', '-p', 'tcp', ...match, '-j', ISTIO_TPROXY);
    } else {
      rb.append(ISTIO_INBOUND, 'nat', '-p', 'tcp', ...match, '-j', ISTIO_IN_REDIRECT);
    }
  };
  if (cfg.inboundPortsInclude === '*') {
    // Exclusions only make sense when everything else is captured.
    for (const port of splitList(cfg.inboundPortsExclude)) rb.append(ISTIO_INBOUND, table, '-p', 'tcp', '--dport', port, '-j', 'RETURN');
    capture();
  } else {
    for (const port of splitList(cfg.inboundPortsInclude)) capture('--dport', port);
  }
}

function addProxyOwnerRules(
  rb: RuleBuilder,
  cfg: IptablesConfig,
  owner: '--uid-owner' | '--gid-owner',
  ids: string[],
  redirectDNS: boolean,
  loopbackIncluded: boolean,
): void {
  const tunnel = cfg.inboundTunnelPort;
  for (const id of ids) {
    // App → own service VIP → proxy (outbound) → proxy (inbound) → app: the proxy's call to the pod IP over lo
    // must go through inbound capture. With DNS capture (UIDs only, as upstream) port 53 keeps going to the agent.
    const portMatch = redirectDNS && owner === '--uid-owner' ? ['-m', 'multiport', '!', '--dports', `53,${tunnel}`] : ['!', '--dport', tunnel];
    rb.appendVersioned(cfg.hostIPv4LoopbackCidr, LOOPBACK_V6, ISTIO_OUTPUT, 'nat', '-o', 'lo', '!', '-d', IPV, '-p', 'tcp', ...portMatch,
      '-m', 'owner', owner, id, '-j', ISTIO_IN_REDIRECT);
    // App → itself over lo is left alone, unless loopback ranges were explicitly included.
    if (!loopbackIncluded) {
      if (redirectDNS) rb.append(ISTIO_OUTPUT, 'nat', '-o', 'lo', '-p', 'tcp', '!', '--dport', '53', '-m', 'owner', '!', owner, id, '-j', 'RETURN');
      else rb.append(ISTIO_OUTPUT, 'nat', '-o', 'lo', '-m', 'owner', '!', owner, id, '-j', 'RETURN');
    }
    // Everything else the proxy sends goes out untouched (avoids loops).
    rb.append(ISTIO_OUTPUT, 'nat', '-m', 'owner', owner, id, '-j', 'RETURN');
  }
}

function addOutboundInclude(rb: RuleBuilder, cfg: IptablesConfig, range: NetworkRange, family: 'v4' | 'v6'): void {
  const append = (...p: string[]) => (family === 'v4' ? rb.appendV4(ISTIO_OUTPUT, 'nat', ...p) : rb.appendV6(ISTIO_OUTPUT, 'nat', ...p));
  const insert = (...p: string[]) => (family === 'v4' ? rb.insertV4('PREROUTING', 'nat', 1, ...p) : rb.insertV6('PREROUTING', 'nat', 1, ...p));
  const virt = splitList(cfg.rerouteVirtualInterfaces);
  if (range.isWildcard) {
    append('-j', ISTIO_REDIRECT);
    for (const nic of virt) insert('-i', nic, '-j', ISTIO_REDIRECT);
    return;
  }
  for (const cidr of range.cidrs) {
    for (const nic of virt) insert('-i', nic, '-d', cidr, '-j', ISTIO_REDIRECT);
    append('-d', cidr, '-j', ISTIO_REDIRECT);
  }
}

function addTproxyMarks(rb: RuleBuilder, cfg: IptablesConfig): void {
  const mark = cfg.inboundTProxyMark;
  // Keep the mark set by the proxy's original_src filter on the connection.
  rb.append('PREROUTING', 'mangle', '-p', 'tcp', '-m', 'mark', '--mark', mark, '-j', 'CONNMARK', '--save-mark');
  // Proxy → app packets already marked are not marked again.
  rb.append('OUTPUT', 'mangle', '-p', 'tcp', '-o', 'lo', '-m', 'mark', '--mark', mark, '-j', 'RETURN');
  for (const [owner, ids] of [
    ['--uid-owner', splitList(cfg.proxyUID)],
    ['--gid-owner', splitList(cfg.proxyGID)],
  ] as const) {
    for (const id of ids) {
      // app → VIP → proxy outbound → (mark 1338) → proxy inbound → app.
      rb.appendVersioned(cfg.hostIPv4LoopbackCidr, LOOPBACK_V6, 'OUTPUT', 'mangle', '!', '-d', IPV, '-p', 'tcp', '-o', 'lo',
        '-m', 'owner', owner, id, '-j', 'MARK', '--set-mark', OUTBOUND_MARK);
    }
  }
  rb.append('OUTPUT', 'mangle', '-p', 'tcp', '-m', 'connmark', '--mark', mark, '-j', 'CONNMARK', '--restore-mark');
  rb.insert(ISTIO_INBOUND, 'mangle', 1, '-p', 'tcp', '-m', 'mark', '--mark', mark, '-j', 'RETURN');
  rb.insertV4(ISTIO_INBOUND, 'mangle', 2, '-p', 'tcp', '-s', INBOUND_PASSTHROUGH_V4, '-i', 'lo', '-j', 'RETURN');
  rb.insertV6(ISTIO_INBOUND, 'mangle', 2, '-p', 'tcp', '-s', INBOUND_PASSTHROUGH_V6, '-i', 'lo', '-j', 'RETURN');
  rb.insert(ISTIO_INBOUND, 'mangle', 3, '-p', 'tcp', '-i', 'lo', '-m', 'mark', '!', '--mark', OUTBOUND_MARK, '-j', 'RETURN');
}
