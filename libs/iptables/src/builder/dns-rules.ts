// DNS capture: redirect port 53 to the agent (15053) and split DNS flows into conntrack zones (upstream SetupDNSRedir).
import { splitList } from '../config/config.ts';
import { AGENT_DNS_PORT, ISTIO_INBOUND, ISTIO_OUTPUT, ISTIO_OUTPUT_DNS } from './chains.ts';
import type { RuleBuilder } from './rule-builder.ts';

/** Inputs of the DNS rules. */
export interface DnsCapture {
  proxyUID: string;
  proxyGID: string;
  serversV4: readonly string[];
  serversV6: readonly string[];
  captureAll: boolean;
}

/** Adds the DNS redirect and conntrack-zone rules. */
export function addDnsRedirect(rb: RuleBuilder, dns: DnsCapture): void {
  rb.append('OUTPUT', 'raw', '-j', ISTIO_OUTPUT_DNS);
  // Jump per family only where that family has something to capture.
  if (dns.captureAll || dns.serversV4.length > 0) rb.appendV4(ISTIO_OUTPUT, 'nat', '-j', ISTIO_OUTPUT_DNS);
  if (dns.captureAll || dns.serversV6.length > 0) rb.appendV6(ISTIO_OUTPUT, 'nat', '-j', ISTIO_OUTPUT_DNS);

  // TCP first, then UDP; note upstream spells the UDP option "--to-port".
  for (const [proto, toPorts] of [
    ['tcp', '--to-ports'],
    ['udp', '--to-port'],
  ] as const) {
    if (dns.captureAll) {
      rb.append(ISTIO_OUTPUT_DNS, 'nat', '-p', proto, '--dport', '53', '-j', 'REDIRECT', toPorts, AGENT_DNS_PORT);
      continue;
    }
    for (const s of dns.serversV4) {
      rb.appendV4(ISTIO_OUTPUT_DNS, 'nat', '-p', proto, '--dport', '53', '-d', `${s}/32`, '-j', 'REDIRECT', toPorts, AGENT_DNS_PORT);
    }
    for (const s of dns.serversV6) {
      rb.appendV6(ISTIO_OUTPUT_DNS, 'nat', '-p', proto, '--dport', '53', '-d', `${s}/128`, '-j', 'REDIRECT', toPorts, AGENT_DNS_PORT);
    }
  }
  addConntrackZones(rb, dns);
}

/**
 * Zone 1: proxy ↔ upstream resolvers; zone 2: app ↔ agent. Separate zones avoid UDP conntrack races when the agent
 * answers from port 15053 on behalf of the resolver.
 */
function addConntrackZones(rb: RuleBuilder, dns: DnsCapture): void {
  for (const [owner, ids] of [
    ['--uid-owner', splitList(dns.proxyUID)],
    ['--gid-owner', splitList(dns.proxyGID)],
  ] as const) {
    for (const id of ids) {
      rb.append(ISTIO_OUTPUT_DNS, 'raw', '-p', 'udp', '--dport', '53', '-m', 'owner', owner, id, '-j', 'CT', '--zone', '1');
      rb.append(ISTIO_OUTPUT_DNS, 'raw', '-p', 'udp', '--sport', AGENT_DNS_PORT, '-m', 'owner', owner, id, '-j', 'CT', '--zone', '2');
    }
  }
  if (dns.captureAll) {
    rb.append('PREROUTING', 'raw', '-j', ISTIO_INBOUND);
    rb.append(ISTIO_OUTPUT_DNS, 'raw', '-p', 'udp', '--dport', '53', '-j', 'CT', '--zone', '2');
    rb.append(ISTIO_INBOUND, 'raw', '-p', 'udp', '--sport', '53', '-j', 'CT', '--zone', '1');
    return;
  }
  // The raw PREROUTING jump exists only when there is a rule to jump to, so no empty chain is left behind.
  if (dns.serversV4.length > 0) rb.appendV4('PREROUTING', 'raw', '-j', ISTIO_INBOUND);
  for (const s of dns.serversV4) {
    rb.appendV4(ISTIO_OUTPUT_DNS, 'raw', '-p', 'udp', '--dport', '53', '-d', `${s}/32`, '-j', 'CT', '--zone', '2');
    rb.appendV4(ISTIO_INBOUND, 'raw', '-p', 'udp', '--sport', '53', '-s', `${s}/32`, '-j', 'CT', '--zone', '1');
  }
  if (dns.serversV6.length > 0) rb.appendV6('PREROUTING', 'raw', '-j', ISTIO_INBOUND);
  for (const s of dns.serversV6) {
    rb.appendV6(ISTIO_OUTPUT_DNS, 'raw', '-p', 'udp', '--dport', '53', '-d', `${s}/128`, '-j', 'CT', '--zone', '2');
    rb.appendV6(ISTIO_INBOUND, 'raw', '-p', 'udp', '--sport', '53', '-s', `${s}/128`, '-j', 'CT', '--zone', '1');
  }
}
