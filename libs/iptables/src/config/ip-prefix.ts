// CIDR parsing with Go net/netip semantics: strict syntax, canonical text, address kept unmasked.

/** A parsed CIDR prefix. `text` is what upstream prints (netip.Prefix.String()). */
export interface IpPrefix {
  text: string;
  is4: boolean;
  isLoopback: boolean;
}

function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const p of parts) {
    // netip rejects empty octets and leading zeros ("010").
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    octets.push(n);
  }
  return octets;
}

/** Canonical RFC 5952 text of an IPv6 address, or undefined when it does not parse. */
function canonicalIPv6(text: string): { text: string; isLoopback: boolean } | undefined {
  if (text.includes('%') || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let canonical: string;
  try {
    // WHATWG URL parsing implements the IPv6 grammar and prints the RFC 5952 form.
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  // Go prints an embedded dotted quad when the input was IPv4-mapped; keep that spelling.
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (dotted && parseIPv4(dotted[1] as string)) canonical = `::ffff:${dotted[1]}`;
  return { text: canonical, isLoopback: canonical === '::1' };
}

/** Parses "addr/bits" like netip.ParsePrefix; undefined when invalid. */
export function parsePrefix(value: string): IpPrefix | undefined {
  const slash = value.lastIndexOf('/');
  if (slash < 0) return undefined;
  const addr = value.slice(0, slash);
  const bitsText = value.slice(slash + 1);
  if (!/^(0|[1-9]\d*)$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const v4 = parseIPv4(addr);
  if (v4) {
    if (bits > 32) return undefined;
    return { text: `${v4.join('.')}/${bits}`, is4: true, isLoopback: v4[0] === 127 };
  }
  const v6 = canonicalIPv6(addr);
  if (!v6 || bits > 128) return undefined;
  return { text: `${v6.text}/${bits}`, is4: false, isLoopback: v6.isLoopback };
}

/** Whether an address (no prefix) is IPv4, IPv6 or neither. */
export function ipFamily(address: string): 4 | 6 | undefined {
  if (parseIPv4(address)) return 4;
  if (canonicalIPv6(address)) return 6;
  return undefined;
}
