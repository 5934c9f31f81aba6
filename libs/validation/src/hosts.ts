// Host-name rules shared by every kind: DNS-1123 labels, FQDNs, wildcard domains and `namespace/host` entries.
import { isIP } from './ip.ts';

const DNS1123_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

/** True for a DNS-1123 label (upper case tolerated, as upstream), at most 63 characters. */
export function isDNS1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** True for a label that may carry a leading wildcard (`*`, `*foo`, `*-foo`). */
export function isWildcardDNS1123Label(value: string): boolean {
  return value.length <= 63 && WILDCARD_LABEL.test(value);
}

function checkPreconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name "${name}" too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

function checkLabels(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1] ?? '';
  if (/^[+-]?\d+$/.test(tld)) return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i] ?? '';
    // A trailing dot (`istio.io.`) is allowed.
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDNS1123Label(label)) return `domain name "${domain}" invalid (label "${label}" invalid)`;
  }
  return undefined;
}

/** Checks a fully qualified domain name; returns the reason it is invalid. */
export function checkFQDN(fqdn: string): string | undefined {
  return checkPreconditions(fqdn) ?? checkLabels(fqdn);
}

/** Checks a domain whose first label may be a wildcard. */
export function checkWildcardDomain(domain: string): string | undefined {
  const pre = checkPreconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardDNS1123Label(first)) return `domain name "${domain}" invalid (label "${first}" invalid)`;
  return dot < 0 ? undefined : checkLabels(domain.slice(dot + 1));
}

/** Like checkWildcardDomain, but an SNI host of a gateway-bound route may use `outbound_.<port>_._.<host>`. */
export function checkWildcardDomainForGateway(sni: boolean, domain: string): string | undefined {
  const pre = checkPreconditions(domain);
  if (pre) return pre;
  if (sni && domain.startsWith('outbound_')) {
    const parts = domain.split('_');
    if (parts.length < 4) return `domain name ${domain} invalid, should follow 'outbound_.<PORT>_._.<HOSTNAME>' format`;
    const port = (parts[1] ?? '').replace(/^\.+|\.+$/g, '');
    const hostname = (parts[3] ?? '').replace(/^\.+|\.+$/g, '');
    if (!/[0-9]/.test(port)) return `domain name "${domain}" invalid (label "${port}" invalid)`;
    if (!/[a-zA-Z]/.test(hostname)) return `domain name "${domain}" invalid (label "${hostname}" invalid)`;
    return undefined;
  }
  return checkWildcardDomain(domain);
}

/** A host containing `*` must be `*` or start with `*.`. */
export function checkPartialWildcard(host: string): string | undefined {
  if (host.includes('*') && host.length !== 1 && !host.startsWith('*.')) return `partial wildcard "${host}" not allowed`;
  return undefined;
}

function checkHostPart(hostname: string, isGateway: boolean): string[] {
  const errs: string[] = [];
  if (hostname !== '*' && !hostname.includes('.')) errs.push('short names (non FQDN) are not allowed');
  const domainErr = checkWildcardDomain(hostname);
  if (domainErr && !(isGateway && isIP(hostname))) errs.push(domainErr);
  const partial = checkPartialWildcard(hostname);
  if (partial) errs.push(partial);
  return errs;
}

/** Checks a Sidecar egress or Gateway server host (`namespace/dnsName`, or legacy `dnsName` on gateways). */
export function checkNamespaceSlashHost(hostname: string, isGateway: boolean, gatewaySemantics: boolean): string[] {
  const slash = hostname.indexOf('/');
  if (slash < 0) {
    if (isGateway) return checkHostPart(hostname, true);
    return ['host must be of form namespace/dnsName'];
  }
  const ns = hostname.slice(0, slash);
  const dns = hostname.slice(slash + 1);
  const errs: string[] = [];
  if (ns.length === 0 || dns.length === 0) errs.push('config namespace and dnsName in host entry cannot be empty');
  if (!isGateway) {
    // Sidecars accept `*`, `.`, `~` and `~<ns>` (exclude a namespace) besides namespace names.
    const bare = ns.startsWith('~') ? ns.slice(1) : ns;
    if (ns !== '*' && ns !== '.' && ns !== '~' && !isDNS1123Label(bare)) errs.push(`invalid namespace value "${ns}" in sidecar`);
  } else if (ns !== '*' && ns !== '.' && (ns !== '~' || !gatewaySemantics) && !isDNS1123Label(ns)) {
    errs.push(`invalid namespace value "${ns}" in gateway`);
  }
  errs.push(...checkHostPart(dns, isGateway));
  return errs;
}

/** Upstream host.Name.Matches: the two hosts (wildcards included) overlap. */
export function hostsMatch(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Upstream host.Name.SubsetOf: every name matched by `a` is matched by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw) return bw && a.slice(1).endsWith(b.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}
