// VirtualService HTTPMatchRequest → Envoy RouteMatch, and the config-time checks (port, sourceLabels, gateways,
// sourceNamespace) that decide whether a match applies to this proxy at all.
import type { HTTPMatchRequest, StringMatch } from '@mesh/api';
import { labelsMatch, type Proxy } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';

/** Envoy StringMatcher from an Istio StringMatch. */
export function stringMatcher(m: StringMatch, ignoreCase = false): EnvoyJson {
  const out: EnvoyJson = m.exact !== undefined ? { exact: m.exact } : m.prefix !== undefined ? { prefix: m.prefix } : { safe_regex: { regex: m.regex ?? '.*' } };
  if (ignoreCase && m.regex === undefined) out['ignore_case'] = true;
  return out;
}

function headerMatcher(name: string, m: StringMatch, invert: boolean): EnvoyJson {
  const out: EnvoyJson = { name };
  // An empty exact/prefix/regex means "header present".
  if ((m.exact === undefined && m.prefix === undefined && m.regex === undefined) || (m.prefix === '' && m.exact === undefined)) out['present_match'] = true;
  else out['string_match'] = stringMatcher(m);
  if (invert) out['invert_match'] = true;
  return out;
}

/** Translates one match (or none: prefix `/`). */
export function translateRouteMatch(m: HTTPMatchRequest | undefined): EnvoyJson {
  const out: EnvoyJson = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out['path'] = uri.exact;
  else if (uri?.prefix !== undefined) out['prefix'] = uri.prefix;
  else if (uri?.regex !== undefined) out['safe_regex'] = { regex: uri.regex };
  else out['prefix'] = '/';
  if (m?.ignoreUriCase) out['case_sensitive'] = false;
  const headers: EnvoyJson[] = [];
  for (const [name, sm] of Object.entries(m?.headers ?? {})) headers.push(headerMatcher(name.toLowerCase(), sm, false));
  for (const [name, sm] of Object.entries(m?.withoutHeaders ?? {})) headers.push(headerMatcher(name.toLowerCase(), sm, true));
  if (m?.method) headers.push(headerMatcher(':method', m.method, false));
  if (m?.authority) headers.push(headerMatcher(':authority', m.authority, false));
  if (m?.scheme) headers.push(headerMatcher(':scheme', m.scheme, false));
  if (headers.length > 0) out['headers'] = headers;
  const query = Object.entries(m?.queryParams ?? {}).map(([name, sm]) => {
    if (sm.exact === undefined && sm.prefix === undefined && sm.regex === undefined) return { name, present_match: true };
    return { name, string_match: stringMatcher(sm) };
  });
  if (query.length > 0) out['query_parameters'] = query;
  return out;
}

/** Whether a match can apply to traffic from `proxy` through `gateway` on `port` (0 = any port). */
export function matchApplies(m: HTTPMatchRequest, proxy: Proxy, gateway: string, port: number, resolveGateway: (g: string) => string): boolean {
  if (m.port !== undefined && port !== 0 && m.port !== port) return false;
  if (m.sourceLabels && (gateway !== 'mesh' || !labelsMatch(m.sourceLabels, proxy.labels))) return false;
  if (m.sourceNamespace && m.sourceNamespace !== proxy.namespace) return false;
  if (m.gateways && m.gateways.length > 0 && !m.gateways.map(resolveGateway).includes(gateway)) return false;
  return true;
}
