// Envoy's filter chain selection: narrow level by level (destination port, destination IP, server name,
// transport protocol, application protocols, direct source IP, source type, source IP, source port); at each
// level the most specific matching chains win and chains without that criterion are the fallback.
import { cidrContains, ipBits, type Cidr } from './cidr.ts';
import type { CompiledFilterChain, CompiledListener } from './listener-types.ts';

/** What is known about a connection when its filter chain is chosen. */
export interface ConnectionFacts {
  readonly destinationIp: string;
  readonly destinationPort: number;
  readonly sourceIp: string;
  readonly sourcePort: number;
  readonly directSourceIp: string;
  readonly serverName: string;
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
}

type Chains = readonly CompiledFilterChain[];

// Keeps the chains with the highest score; score -1 means "criterion unset" (fallback), undefined means no match.
function narrow(chains: Chains, score: (c: CompiledFilterChain) => number | undefined): CompiledFilterChain[] {
  let best = -Infinity;
  const out: CompiledFilterChain[] = [];
  for (const c of chains) {
    const s = score(c);
    if (s === undefined) continue;
    if (s > best) {
      best = s;
      out.length = 0;
      out.push(c);
    } else if (s === best) out.push(c);
  }
  return out;
}

function prefixScore(ranges: readonly Cidr[], ip: { v6: boolean; bits: bigint } | undefined): number | undefined {
  if (ranges.length === 0) return -1;
  if (!ip) return undefined;
  let best: number | undefined;
  for (const r of ranges) if (cidrContains(r, ip) && (best === undefined || r.len > best)) best = r.len;
  return best;
}

function serverNameScore(names: readonly string[], sni: string): number | undefined {
  if (names.length === 0) return -1;
  if (!sni) return undefined;
  let best: number | undefined;
  for (const n of names) {
    if (n === sni) return 10_000;
    if (n.startsWith('*.') && sni.endsWith(n.slice(1)) && (best === undefined || n.length > best)) best = n.length;
  }
  return best;
}

function isLocal(source: string, dest: string): boolean {
  return source === dest || source.startsWith('127.') || source === '::1' || source.startsWith('::ffff:127.');
}

/** The filter chain for a connection, or the listener's default chain, or undefined (connection is closed). */
export function selectFilterChain(l: CompiledListener, f: ConnectionFacts): CompiledFilterChain | undefined {
  let c: Chains = l.chains;
  const dst = ipBits(f.destinationIp);
  const src = ipBits(f.sourceIp);
  const direct = ipBits(f.directSourceIp);
  c = narrow(c, (x) => (x.match.destinationPort === undefined ? -1 : x.match.destinationPort === f.destinationPort ? 1 : undefined));
  c = narrow(c, (x) => prefixScore(x.match.prefixRanges, dst));
  c = narrow(c, (x) => serverNameScore(x.match.serverNames, f.serverName));
  c = narrow(c, (x) => (x.match.transportProtocol === '' ? -1 : x.match.transportProtocol === f.transportProtocol ? 1 : undefined));
  c = narrow(c, (x) => (x.match.applicationProtocols.length === 0 ? -1 : x.match.applicationProtocols.some((p) => f.applicationProtocols.includes(p)) ? 1 : undefined));
  c = narrow(c, (x) => prefixScore(x.match.directSourcePrefixRanges, direct));
  c = narrow(c, (x) => {
    const t = x.match.sourceType;
    if (t === 'ANY') return -1;
    const local = isLocal(f.sourceIp, f.destinationIp);
    return (t === 'SAME_IP_OR_LOOPBACK') === local ? 1 : undefined;
  });
  c = narrow(c, (x) => prefixScore(x.match.sourcePrefixRanges, src));
  c = narrow(c, (x) => (x.match.sourcePorts.length === 0 ? -1 : x.match.sourcePorts.includes(f.sourcePort) ? 1 : undefined));
  return c[0] ?? l.defaultChain;
}

