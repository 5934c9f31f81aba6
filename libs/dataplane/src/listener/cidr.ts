// CIDR ranges (IPv4 and IPv6) for filter chain prefix matching.
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  readonly v6: boolean;
  readonly bits: bigint;
  readonly len: number;
}

/** Parses an IP address into its bit value; IPv4-mapped IPv6 addresses are treated as IPv4. */
export function ipBits(ip: string): { v6: boolean; bits: bigint } | undefined {
  const a = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(a)) {
    const p = a.split('.').map(Number);
    return { v6: false, bits: BigInt((((p[0] ?? 0) << 24) >>> 0) + ((p[1] ?? 0) << 16) + ((p[2] ?? 0) << 8) + (p[3] ?? 0)) };
  }
  if (isIPv6(a)) {
    const [head = '', tail] = a.split('::') as [string, string | undefined];
    const parse = (s: string): number[] => (s ? s.split(':').flatMap((g) => (g.includes('.') ? v4Groups(g) : [parseInt(g, 16)])) : []);
    const h = parse(head);
    const t = tail === undefined ? [] : parse(tail);
    const groups = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
    let bits = 0n;
    for (const g of groups) bits = (bits << 16n) | BigInt(g);
    return { v6: true, bits };
  }
  return undefined;
}

function v4Groups(s: string): number[] {
  const p = s.split('.').map(Number);
  return [((p[0] ?? 0) << 8) | (p[1] ?? 0), ((p[2] ?? 0) << 8) | (p[3] ?? 0)];
}

/** Parses {address_prefix, prefix_len}; undefined on invalid input. */
export function parseCidr(address: string, prefixLen: number): Cidr | undefined {
  const ip = ipBits(address);
  if (!ip) return undefined;
  const width = ip.v6 ? 128 : 32;
  if (prefixLen > width) return undefined;
  const shift = BigInt(width - prefixLen);
  return { v6: ip.v6, bits: (ip.bits >> shift) << shift, len: prefixLen };
}

/** True when `ip` (already parsed) lies in the range. */
export function cidrContains(c: Cidr, ip: { v6: boolean; bits: bigint }): boolean {
  if (c.v6 !== ip.v6) return false;
  const shift = BigInt((c.v6 ? 128 : 32) - c.len);
  return ip.bits >> shift === c.bits >> shift;
}
