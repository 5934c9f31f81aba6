// The table of istio-iptables flags: name, shorthand, environment binding and the config field each one sets.
import type { IptablesConfig } from './config.ts';

type StringField = {
  [K in keyof IptablesConfig]: IptablesConfig[K] extends string ? K : never;
}[keyof IptablesConfig];
type BoolField = {
  [K in keyof IptablesConfig]: IptablesConfig[K] extends boolean ? K : never;
}[keyof IptablesConfig];

/** One command-line flag and how it maps onto the configuration. */
export type FlagSpec =
  | { name: string; short?: string; env?: string; aliases?: string[]; kind: 'string'; field: StringField; help: string }
  | { name: string; short?: string; env?: string; aliases?: string[]; kind: 'bool'; field: BoolField; help: string }
  | { name: string; short?: string; env?: string; aliases?: string[]; kind: 'port'; field: 'iptablesProbePort'; help: string }
  | { name: string; short?: string; env?: string; aliases?: string[]; kind: 'duration'; field: 'probeTimeoutMs'; help: string };

/** Env name of a flag as upstream `flag.BindEnv` derives it: upper case, `-` → `_`. */
function envOf(name: string): string {
  return name.toUpperCase().replaceAll('-', '_');
}

function s(name: string, short: string | undefined, field: StringField, help: string, bindEnv = true): FlagSpec {
  return { name, short, env: bindEnv ? envOf(name) : undefined, kind: 'string', field, help };
}
function b(name: string, short: string | undefined, field: BoolField, help: string, aliases?: string[]): FlagSpec {
  return { name, short, env: envOf(name), aliases, kind: 'bool', field, help };
}

/** Every flag of upstream `istio-iptables` (tools/istio-iptables/pkg/cmd/root.go), in upstream order. */
export const FLAGS: readonly FlagSpec[] = [
  // --envoy-port is bound without an environment variable upstream.
  s('envoy-port', 'p', 'proxyPort', 'Envoy port to which all outbound TCP traffic is redirected', false),
  s('inbound-capture-port', 'z', 'inboundCapturePort', 'Port to which all inbound TCP traffic is redirected'),
  s('inbound-tunnel-port', 'e', 'inboundTunnelPort', 'Istio tunnel port for inbound TCP traffic (never redirected)'),
  s('proxy-uid', 'u', 'proxyUID', 'Comma list of UIDs whose traffic is not redirected (default: uid of $ENVOY_USER or 1337)'),
  s('proxy-gid', 'g', 'proxyGID', 'Comma list of GIDs whose traffic is not redirected (default: same as -u)'),
  s('istio-inbound-interception-mode', 'm', 'inboundInterceptionMode', 'Inbound redirection mode: REDIRECT or TPROXY'),
  s('istio-inbound-ports', 'b', 'inboundPortsInclude', 'Comma list of inbound ports to redirect; "*" for all; empty disables'),
  s('istio-local-exclude-ports', 'd', 'inboundPortsExclude', 'Comma list of inbound ports excluded (only with -b "*")'),
  s('istio-exclude-interfaces', 'c', 'excludeInterfaces', 'Comma list of NICs whose traffic is never captured'),
  s('istio-service-cidr', 'i', 'outboundIPRangesInclude', 'Comma list of outbound CIDRs to redirect; "*" for all'),
  s('istio-service-exclude-cidr', 'x', 'outboundIPRangesExclude', 'Comma list of outbound CIDRs never redirected'),
  s('istio-outbound-ports', 'q', 'outboundPortsInclude', 'Comma list of outbound ports always redirected'),
  s('istio-local-outbound-ports-exclude', 'o', 'outboundPortsExclude', 'Comma list of outbound ports never redirected'),
  s('kube-virt-interfaces', 'k', 'rerouteVirtualInterfaces', 'Comma list of virtual interfaces whose inbound traffic is treated as outbound'),
  s('istio-inbound-tproxy-mark', 't', 'inboundTProxyMark', 'fwmark used by TPROXY'),
  s('istio-inbound-tproxy-route-table', 'r', 'inboundTProxyRouteTable', 'Routing table used by TPROXY'),
  b('dry-run', 'n', 'dryRun', 'Print the commands instead of running them'),
  { name: 'iptables-probe-port', env: 'IPTABLES_PROBE_PORT', kind: 'port', field: 'iptablesProbePort', help: 'Listen port for the validation probe' },
  { name: 'probe-timeout', env: 'PROBE_TIMEOUT', kind: 'duration', field: 'probeTimeoutMs', help: 'Validation timeout (Go duration, e.g. 5s)' },
  b('skip-rule-apply', undefined, 'skipRuleApply', 'Do not program rules'),
  b('run-validation', undefined, 'runValidation', 'Validate that interception works; exit 126 on failure'),
  b('redirect-dns', undefined, 'redirectDNS', 'Capture DNS traffic to the agent (port 15053)', ['ISTIO_META_DNS_CAPTURE']),
  b('drop-invalid', undefined, 'dropInvalid', 'Drop conntrack INVALID packets in mangle PREROUTING', ['INVALID_DROP']),
  b('dual-stack', undefined, 'dualStack', 'Enable IPv4/IPv6 redirects for dual-stack', ['ISTIO_DUAL_STACK']),
  b('capture-all-dns', undefined, 'captureAllDNS', 'Capture all port-53 traffic, not only resolv.conf servers'),
  s('network-namespace', undefined, 'networkNamespace', 'Network namespace (name or path) to apply rules in'),
  b('cni-mode', undefined, 'cniMode', 'Running as part of the CNI plugin'),
  b('reconcile', undefined, 'reconcile', 'Clean up drifted pre-existing rules instead of warning'),
  b('cleanup-only', undefined, 'cleanupOnly', 'Only remove Istio chains and rules'),
  b('force-apply', undefined, 'forceApply', 'Apply even if the rules appear to be in place'),
  b('native-nftables', undefined, 'nativeNftables', 'Use the nftables backend'),
  s('force-iptables-binary', undefined, 'forceIptablesBinary', 'Which iptables binary to use: legacy or nft'),
];

/** Environment-only knobs (upstream constants.go) and their defaults. */
export const ENV_ONLY = {
  ownerGroupsInclude: { env: 'ISTIO_OUTBOUND_OWNER_GROUPS', default: '*' },
  ownerGroupsExclude: { env: 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE', default: '' },
  hostIPv4LoopbackCidr: { env: 'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR', default: '127.0.0.1/32' },
} as const;
