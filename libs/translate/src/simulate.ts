// A small traffic simulator over generated config (like upstream's simulation tests): which listener, filter chain,
// route configuration, virtual host, route and cluster a request would hit, following Envoy's matching rules.
import type { EnvoyJson } from '@mesh/xds';
import type { GeneratedConfig } from './generate.ts';

export interface SimulatedRequest {
  /** Destination port of the connection. */
  readonly port: number;
  /** Destination IP (a service VIP for outbound); selects `<ip>_<port>` listeners. */
  readonly address?: string;
  /** HTTP requests only: Host/:authority, path (default `/`), method (default GET), headers. */
  readonly host?: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** `http` (default when host is set), `tcp`, or `tls` (with sni). */
  readonly protocol?: 'http' | 'tcp' | 'tls';
  readonly sni?: string;
  /** Sidecar capture: outbound via virtualOutbound (default), inbound via virtualInbound. Gateways: `gateway`. */
  readonly direction?: 'outbound' | 'inbound' | 'gateway';
  /** Inbound only: the client speaks Istio mTLS. */
  readonly mtls?: boolean;
}

export interface SimulationResult {
  readonly listener?: string;
  readonly filterChain?: string;
  readonly routeConfig?: string;
  readonly virtualHost?: string;
  readonly route?: string;
  readonly cluster?: string;
  readonly weightedClusters?: Array<{ name: string; weight: number }>;
  readonly redirect?: EnvoyJson;
  readonly directResponse?: number;
  readonly error?: string;
}

function obj(v: unknown): EnvoyJson {
  return typeof v === 'object' && v !== null ? (v as EnvoyJson) : {};
}

function selectListener(cfg: GeneratedConfig, req: SimulatedRequest): EnvoyJson | undefined {
  if (req.direction === 'inbound') return cfg.listeners.get('virtualInbound');
  if (req.address) {
    const l = cfg.listeners.get(`${req.address}_${req.port}`);
    if (l) return l;
  }
  return cfg.listeners.get(`0.0.0.0_${req.port}`) ?? (req.direction === 'gateway' ? undefined : cfg.listeners.get('virtualOutbound'));
}

/** Envoy filter chain selection: most specific destination_port, server_names, transport_protocol, application_protocols. */
function selectChain(listener: EnvoyJson, req: SimulatedRequest, isHttp: boolean): EnvoyJson | undefined {
  const tls = req.protocol === 'tls' || req.mtls === true || req.sni !== undefined;
  const transport = tls ? 'tls' : 'raw_buffer';
  const alpns = req.mtls ? (isHttp ? ['istio-http/1.1', 'istio'] : ['istio-peer-exchange', 'istio']) : isHttp && !tls ? ['http/1.1'] : [];
  let best: { chain: EnvoyJson; score: number[] } | undefined;
  for (const c of (listener['filter_chains'] as EnvoyJson[] | undefined) ?? []) {
    const m = obj(c['filter_chain_match']);
    const score: number[] = [];
    const dp = m['destination_port'];
    if (dp !== undefined && dp !== req.port) continue;
    score.push(dp !== undefined ? 1 : 0);
    const ranges = m['prefix_ranges'] as Array<{ address_prefix: string; prefix_len: number }> | undefined;
    if (ranges) {
      const best = Math.max(-1, ...ranges.filter((r) => inRange(req.address ?? '', r.address_prefix, r.prefix_len)).map((r) => r.prefix_len));
      if (best < 0) continue;
      score.push(best + 1);
    } else score.push(0);
    const names = m['server_names'] as string[] | undefined;
    if (names) {
      const sni = req.sni ?? '';
      const exact = names.includes(sni);
      const wild = names.some((n) => n.startsWith('*.') && sni.endsWith(n.slice(1)));
      if (!exact && !wild) continue;
      score.push(exact ? 2 : 1);
    } else score.push(0);
    const tp = m['transport_protocol'];
    if (tp !== undefined && tp !== transport) continue;
    score.push(tp !== undefined ? 1 : 0);
    const ap = m['application_protocols'] as string[] | undefined;
    if (ap && !ap.some((a) => alpns.includes(a))) continue;
    score.push(ap ? 1 : 0);
    if (!best || compare(score, best.score) > 0) best = { chain: c, score };
  }
  return best?.chain ?? (listener['default_filter_chain'] as EnvoyJson | undefined);
}

function ipv4(s: string): number | undefined {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** IPv4 prefix match (IPv6 ranges only match the catch-all ::/0). */
function inRange(address: string, prefix: string, len: number): boolean {
  if (len === 0) return true;
  const a = ipv4(address);
  const p = ipv4(prefix);
  if (a === undefined || p === undefined) return false;
  const mask = len >= 32 ? 0xffffffff : (~0 << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((p & mask) >>> 0);
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** Envoy virtual host selection: exact, then longest suffix wildcard, then prefix wildcard, then `*`. */
function selectVirtualHost(rc: EnvoyJson, host: string): EnvoyJson | undefined {
  const vhosts = (rc['virtual_hosts'] as EnvoyJson[] | undefined) ?? [];
  const h = host.toLowerCase();
  const candidates = rc['ignore_port_in_host_matching'] ? [h.replace(/:\d+$/, '')] : [h];
  let best: { vh: EnvoyJson; rank: number; len: number } | undefined;
  for (const vh of vhosts) {
    for (const d of (vh['domains'] as string[] | undefined) ?? []) {
      for (const c of candidates) {
        let rank = -1;
        let len = d.length;
        if (d === c) rank = 3;
        else if (d === '*') rank = 0;
        else if (d.startsWith('*') && c.endsWith(d.slice(1))) rank = 2;
        else if (d.endsWith('*') && c.startsWith(d.slice(0, -1))) rank = 1;
        else if (d.endsWith(':*') && c.replace(/:\d+$/, '') === d.slice(0, -2)) {
          rank = 3;
          len = d.length - 2;
        }
        if (rank < 0) continue;
        if (!best || rank > best.rank || (rank === best.rank && len > best.len)) best = { vh, rank, len };
      }
    }
  }
  return best?.vh;
}

/** Envoy's safe_regex is RE2 with full-string semantics; a pattern JavaScript cannot compile never matches. */
function fullMatch(regex: unknown, value: string): boolean {
  try {
    return new RegExp(`^(?:${String(regex)})$`).test(value);
  } catch {
    return false;
  }
}

function stringMatches(m: EnvoyJson, value: string | undefined): boolean {
  if (value === undefined) return false;
  const ic = m['ignore_case'] === true;
  const v = ic ? value.toLowerCase() : value;
  const f = (s: unknown): string => (ic ? String(s).toLowerCase() : String(s));
  if (m['exact'] !== undefined) return v === f(m['exact']);
  if (m['prefix'] !== undefined) return v.startsWith(f(m['prefix']));
  if (m['suffix'] !== undefined) return v.endsWith(f(m['suffix']));
  if (m['safe_regex'] !== undefined) return fullMatch(obj(m['safe_regex'])['regex'], value);
  return true;
}

function routeMatches(match: EnvoyJson, req: SimulatedRequest): boolean {
  const full = req.path ?? '/';
  const q = full.indexOf('?');
  const path = q < 0 ? full : full.slice(0, q);
  const cs = match['case_sensitive'] !== false;
  const p = cs ? path : path.toLowerCase();
  const norm = (s: unknown): string => (cs ? String(s) : String(s).toLowerCase());
  if (match['prefix'] !== undefined && !p.startsWith(norm(match['prefix']))) return false;
  if (match['path'] !== undefined && p !== norm(match['path'])) return false;
  if (match['safe_regex'] !== undefined && !fullMatch(obj(match['safe_regex'])['regex'], path)) return false;
  const headers: Record<string, string> = { ':method': req.method ?? 'GET', ':authority': req.host ?? '', ':path': full };
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  for (const hm of (match['headers'] as EnvoyJson[] | undefined) ?? []) {
    const value = headers[String(hm['name'])];
    let ok = hm['present_match'] ? value !== undefined : stringMatches(obj(hm['string_match']), value);
    if (hm['invert_match']) ok = !ok;
    if (!ok) return false;
  }
  const params = new URLSearchParams(q < 0 ? '' : full.slice(q + 1));
  for (const qm of (match['query_parameters'] as EnvoyJson[] | undefined) ?? []) {
    const value = params.get(String(qm['name'])) ?? undefined;
    if (qm['present_match'] ? value === undefined : !stringMatches(obj(qm['string_match']), value)) return false;
  }
  return true;
}

function tcpResult(chain: EnvoyJson): Partial<SimulationResult> {
  for (const f of (chain['filters'] as EnvoyJson[] | undefined) ?? []) {
    if (f['name'] !== 'envoy.filters.network.tcp_proxy') continue;
    const tc = obj(f['typed_config']);
    if (typeof tc['cluster'] === 'string') return { cluster: tc['cluster'] };
    const wc = (obj(tc['weighted_clusters'])['clusters'] as Array<{ name: string; weight: number }> | undefined) ?? [];
    return { weightedClusters: wc, ...(wc[0] ? { cluster: wc[0].name } : {}) };
  }
  return {};
}

/** Simulates one request against a proxy's generated config. */
export function simulate(cfg: GeneratedConfig, req: SimulatedRequest): SimulationResult {
  const isHttp = req.protocol ? req.protocol === 'http' : req.host !== undefined;
  const listener = selectListener(cfg, req);
  if (!listener) return { error: `no listener for port ${req.port}` };
  const listenerName = String(listener['name']);
  const chain = selectChain(listener, req, isHttp);
  if (!chain) return { listener: listenerName, error: 'no filter chain matched' };
  const base = { listener: listenerName, ...(chain['name'] ? { filterChain: String(chain['name']) } : {}) };
  const hcm = ((chain['filters'] as EnvoyJson[] | undefined) ?? []).find((f) => f['name'] === 'envoy.filters.network.http_connection_manager');
  if (!hcm) return { ...base, ...tcpResult(chain) };
  const tc = obj(hcm['typed_config']);
  const rdsName = obj(tc['rds'])['route_config_name'];
  const rc = typeof rdsName === 'string' ? cfg.routes.get(rdsName) : obj(tc['route_config']);
  if (!rc) return { ...base, error: `route configuration ${String(rdsName)} missing` };
  const withRc = { ...base, routeConfig: String(rc['name'] ?? '') };
  const vh = selectVirtualHost(rc, req.host ?? '');
  if (!vh) return { ...withRc, error: `no virtual host for ${req.host ?? ''}` };
  const withVh = { ...withRc, virtualHost: String(vh['name']) };
  const tls = req.protocol === 'tls' || req.sni !== undefined || req.mtls === true;
  if (vh['require_tls'] === 'ALL' && !tls) return { ...withVh, redirect: { https_redirect: true } };
  const route = ((vh['routes'] as EnvoyJson[] | undefined) ?? []).find((r) => routeMatches(obj(r['match']), req));
  if (!route) return { ...withVh, directResponse: 404 };
  const out = { ...withVh, ...(route['name'] ? { route: String(route['name']) } : {}) };
  if (route['redirect']) return { ...out, redirect: obj(route['redirect']) };
  if (route['direct_response']) return { ...out, directResponse: Number(obj(route['direct_response'])['status']) };
  const action = obj(route['route']);
  if (typeof action['cluster'] === 'string') return { ...out, cluster: action['cluster'] };
  const wc = (obj(action['weighted_clusters'])['clusters'] as Array<{ name: string; weight: number }> | undefined) ?? [];
  return { ...out, weightedClusters: wc.map((c) => ({ name: c.name, weight: c.weight })), ...(wc[0] ? { cluster: wc[0].name } : {}) };
}
