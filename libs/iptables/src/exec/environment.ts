// Fills the facts upstream FillConfigFromEnvironment() reads from the machine: proxy UID (from ENVOY_USER),
// IPv6 (from the first non-loopback address) and DNS servers (from /etc/resolv.conf). In --dry-run the
// DRY_RUN_IPV6 / DRY_RUN_DNS_SERVERS_V4 / DRY_RUN_DNS_SERVERS_V6 variables stand in for the machine.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { splitList, type IptablesConfig } from '../config/config.ts';
import { ipFamily } from '../config/ip-prefix.ts';
import type { Env } from '../config/parse-config.ts';
import { parseGoBool } from '../config/parse-values.ts';

const DEFAULT_PROXY_UID = '1337';

/** Machine probes, injectable for tests. */
export interface MachineProbes {
  /** UID of a user name, or undefined when unknown. */
  lookupUid(user: string): string | undefined;
  /** Non-loopback, non-link-local addresses in interface order. */
  localAddresses(): string[];
  /** Nameserver addresses from resolv.conf. */
  dnsServers(): string[];
}

/** Probes that read this machine (current network namespace). */
export const systemProbes: MachineProbes = {
  lookupUid(user) {
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , uid] = line.split(':');
        if (name === user && uid) return uid;
      }
    } catch {
      // no passwd file: fall back to the default UID
    }
    return undefined;
  },
  localAddresses() {
    const out: string[] = [];
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) {
        const lower = a.address.toLowerCase();
        if (a.internal || lower.startsWith('fe80:') || lower.startsWith('169.254.') || lower.startsWith('127.') || lower === '::1') continue;
        out.push(a.address);
      }
    }
    return out;
  },
  dnsServers() {
    const text = readFileSync('/etc/resolv.conf', 'utf8');
    return text
      .split('\n')
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
      .filter((s): s is string => s !== undefined);
  },
};

/** Result of completing a config: warnings to log, errors that stop the run. */
export interface Completion {
  warnings: string[];
  errors: string[];
}

/** Fills proxy UID/GID, IPv6 and DNS servers in place. */
export function completeConfig(cfg: IptablesConfig, env: Env, probes: MachineProbes = systemProbes): Completion {
  const warnings: string[] = [];
  const errors: string[] = [];
  if (cfg.proxyUID === '') cfg.proxyUID = probes.lookupUid(env['ENVOY_USER'] ?? 'istio-proxy') ?? DEFAULT_PROXY_UID;
  if (cfg.proxyGID === '') cfg.proxyGID = cfg.proxyUID;

  const dryRunIPv6 = cfg.dryRun ? env['DRY_RUN_IPV6'] : undefined;
  if (dryRunIPv6 !== undefined && dryRunIPv6 !== '') {
    const value = parseGoBool(dryRunIPv6);
    if (value === undefined) errors.push(`environment variable DRY_RUN_IPV6: invalid boolean "${dryRunIPv6}"`);
    else cfg.enableIPv6 = value;
  } else {
    const addrs = probes.localAddresses();
    if (addrs.length === 0) {
      warnings.push('no non-loopback local IP address found; assuming IPv4 only');
      cfg.enableIPv6 = false;
    } else {
      // Like upstream getLocalIP: the first address decides, unless dual-stack, where any IPv6 address does.
      cfg.enableIPv6 = cfg.dualStack ? addrs.some((a) => ipFamily(a) === 6) : ipFamily(addrs[0] as string) === 6;
    }
  }

  if (cfg.redirectDNS && !cfg.captureAllDNS) {
    const v4 = cfg.dryRun ? env['DRY_RUN_DNS_SERVERS_V4'] : undefined;
    const v6 = cfg.dryRun ? env['DRY_RUN_DNS_SERVERS_V6'] : undefined;
    if (v4 !== undefined || v6 !== undefined) {
      cfg.dnsServersV4 = splitList(v4 ?? '');
      cfg.dnsServersV6 = splitList(v6 ?? '');
    } else {
      let servers: string[];
      try {
        servers = probes.dnsServers();
      } catch (err) {
        errors.push(`failed to load /etc/resolv.conf: ${(err as Error).message}`);
        servers = [];
      }
      cfg.dnsServersV4 = servers.filter((s) => ipFamily(s) === 4);
      cfg.dnsServersV6 = servers.filter((s) => ipFamily(s) === 6);
    }
  }
  return { warnings, errors };
}
