// Request → virtual host → route, following Envoy's matching order.
import { matchString } from '../config/string-matcher.ts';
import type { CompiledRoute, CompiledRouteConfig, CompiledVirtualHost, HeaderMatcher, RouteMatch } from './route-types.ts';

/** What route matching reads from a request. */
export interface RequestView {
  readonly method: string;
  /** :path including the query string. */
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  header(name: string): string | undefined;
}

/** Virtual host for a Host/:authority value: exact, then longest *.suffix, then longest prefix.*, then "*". */
export function selectVirtualHost(rc: CompiledRouteConfig, authority: string): CompiledVirtualHost | undefined {
  let host = authority.toLowerCase();
  let vh = findHost(rc, host);
  if (vh) return vh;
  // Envoy retries without the port when ignore_port_in_host_matching is set; we also do so when the
  // port-qualified form is unknown, which only widens matching for clients that send default ports.
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host.indexOf(']') < colon) {
    host = host.slice(0, colon);
    vh = findHost(rc, host);
    if (vh) return vh;
  }
  return rc.wildcard;
}

function findHost(rc: CompiledRouteConfig, host: string): CompiledVirtualHost | undefined {
  const exact = rc.exactDomains.get(host);
  if (exact) return exact;
  for (const s of rc.suffixDomains) if (host.endsWith(s.suffix) && host.length > s.suffix.length) return s.vh;
  for (const p of rc.prefixDomains) if (host.startsWith(p.prefix) && host.length > p.prefix.length) return p.vh;
  return undefined;
}

function headerMatches(m: HeaderMatcher, req: RequestView): boolean {
  let v = req.header(m.name);
  if (v === undefined && m.treatMissingAsEmpty) v = '';
  let ok: boolean;
  if (m.present !== undefined) ok = (v !== undefined) === m.present;
  else if (v === undefined) return false;
  else if (m.string) ok = matchString(m.string, v);
  else if (m.range) {
    const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
    ok = n >= m.range.start && n < m.range.end;
  } else ok = true;
  return m.invert ? !ok : ok;
}

function queryValue(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  for (const part of path.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    if (safeDecode(k) === name) return eq < 0 ? '' : safeDecode(part.slice(eq + 1));
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The path without query string or fragment. */
export function pathOnly(path: string): string {
  let end = path.length;
  const q = path.indexOf('?');
  if (q >= 0) end = q;
  const h = path.indexOf('#');
  if (h >= 0 && h < end) end = h;
  return end === path.length ? path : path.slice(0, end);
}

/** True when the route's match clause accepts the request. */
export function routeMatches(m: RouteMatch, req: RequestView): boolean {
  const p = pathOnly(req.path);
  switch (m.kind) {
    case 'prefix':
      if (!(m.caseSensitive ? p : p.toLowerCase()).startsWith(m.value)) return false;
      break;
    case 'path':
      if ((m.caseSensitive ? p : p.toLowerCase()) !== m.value) return false;
      break;
    case 'regex':
      if (!(m.regex as RegExp).test(p)) return false;
      break;
    case 'separated': {
      const cmp = m.caseSensitive ? p : p.toLowerCase();
      if (!(cmp === m.value || (cmp.startsWith(m.value) && cmp.charCodeAt(m.value.length) === 47))) return false;
      break;
    }
    default:
      if (req.method !== 'CONNECT') return false;
  }
  if (m.grpc && !(req.header('content-type') ?? '').startsWith('application/grpc')) return false;
  for (const h of m.headers) if (!headerMatches(h, req)) return false;
  for (const q of m.query) {
    const v = queryValue(req.path, q.name);
    if (q.string) {
      if (v === undefined || !matchString(q.string, v)) return false;
    } else if ((v !== undefined) !== q.present) return false;
  }
  if (m.fraction < 1 && Math.random() >= m.fraction) return false;
  return true;
}

/** The first route of the virtual host whose match accepts the request. */
export function selectRoute(vh: CompiledVirtualHost, req: RequestView): CompiledRoute | undefined {
  for (const r of vh.routes) if (routeMatches(r.match, req)) return r;
  return undefined;
}
