// The istio-iptables configuration: one field per upstream flag / env knob, with upstream's defaults.

/** Inbound interception modes; anything other than TPROXY behaves like REDIRECT (as upstream). */
export const TPROXY = 'TPROXY';

/** Complete configuration of one istio-iptables run (field meanings follow upstream `config.Config`). */
export interface IptablesConfig {
  proxyPort: string;
  inboundCapturePort: string;
  inboundTunnelPort: string;
  /** Comma list of UIDs whose traffic is never redirected. Empty means "derive from ENVOY_USER". */
  proxyUID: string;
  /** Comma list of GIDs whose traffic is never redirected. Empty means "same as proxyUID". */
  proxyGID: string;
  inboundInterceptionMode: string;
  inboundTProxyMark: string;
  inboundTProxyRouteTable: string;
  inboundPortsInclude: string;
  inboundPortsExclude: string;
  ownerGroupsInclude: string;
  ownerGroupsExclude: string;
  outboundPortsInclude: string;
  outboundPortsExclude: string;
  outboundIPRangesInclude: string;
  outboundIPRangesExclude: string;
  rerouteVirtualInterfaces: string;
  excludeInterfaces: string;
  iptablesProbePort: number;
  probeTimeoutMs: number;
  dryRun: boolean;
  skipRuleApply: boolean;
  runValidation: boolean;
  redirectDNS: boolean;
  dropInvalid: boolean;
  captureAllDNS: boolean;
  /** Whether IPv6 rules are generated; detected from the pod's first non-loopback address. */
  enableIPv6: boolean;
  dnsServersV4: string[];
  dnsServersV6: string[];
  networkNamespace: string;
  cniMode: boolean;
  dualStack: boolean;
  hostIPv4LoopbackCidr: string;
  reconcile: boolean;
  cleanupOnly: boolean;
  forceApply: boolean;
  nativeNftables: boolean;
  forceIptablesBinary: string;
  logAsJson: boolean;
  logOutputLevel: string;
}

/** Upstream `DefaultConfig()` (the CLI defaults; the golden test base config differs, see CASES.md). */
export function defaultConfig(): IptablesConfig {
  return {
    proxyPort: '15001',
    inboundCapturePort: '15006',
    inboundTunnelPort: '15008',
    proxyUID: '',
    proxyGID: '',
    inboundInterceptionMode: '',
    inboundTProxyMark: '1337',
    inboundTProxyRouteTable: '133',
    inboundPortsInclude: '',
    inboundPortsExclude: '',
    ownerGroupsInclude: '*',
    ownerGroupsExclude: '',
    outboundPortsInclude: '',
    outboundPortsExclude: '',
    outboundIPRangesInclude: '',
    outboundIPRangesExclude: '',
    rerouteVirtualInterfaces: '',
    excludeInterfaces: '',
    iptablesProbePort: 15002,
    probeTimeoutMs: 5000,
    dryRun: false,
    skipRuleApply: false,
    runValidation: false,
    redirectDNS: false,
    dropInvalid: false,
    captureAllDNS: false,
    enableIPv6: false,
    dnsServersV4: [],
    dnsServersV6: [],
    networkNamespace: '',
    cniMode: false,
    dualStack: false,
    hostIPv4LoopbackCidr: '127.0.0.1/32',
    reconcile: false,
    cleanupOnly: false,
    forceApply: false,
    nativeNftables: false,
    forceIptablesBinary: '',
    logAsJson: false,
    logOutputLevel: 'default:info',
  };
}

/** Splits a comma list, dropping empty items (so "6000,7000," is two ports), like upstream `config.Split`. */
export function splitList(value: string): string[] {
  if (value === '') return [];
  return value.split(',').filter((item) => item !== '');
}
