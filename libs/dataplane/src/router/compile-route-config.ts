// RouteConfiguration → CompiledRouteConfig with a domain index (exact, *.suffix, prefix.*, *).
import { ConfigError, arr, bool, obj, optObj, reqStr, str, type Json } from '../config/json-reader.ts';
import { ExtensionType } from '../config/type-urls.ts';
import { compileCors, type CorsPolicy } from '../http/cors-policy.ts';
import { compileFault, type FaultPolicy } from '../http/fault-policy.ts';
import { compileDirectResponse, compileForward, compileRedirect, compileRetryPolicy } from './compile-route-action.ts';
import { compileRouteMatch } from './compile-route-match.ts';
import { compileHeaderOps } from './header-ops.ts';
import type { CompiledRoute, CompiledRouteConfig, CompiledVirtualHost, RouteAction } from './route-types.ts';

interface PerFilter {
  fault: FaultPolicy | undefined;
  cors: CorsPolicy | undefined;
}

// typed_per_filter_config entries we act on; others (e.g. istio stats) are ignored.
function perFilter(o: Json, path: string): PerFilter {
  const tpfc = obj(o['typed_per_filter_config'], `${path}.typed_per_filter_config`);
  const out: PerFilter = { fault: undefined, cors: undefined };
  for (const [name, v] of Object.entries(tpfc)) {
    const p = `${path}.typed_per_filter_config["${name}"]`;
    let cfg = obj(v, p);
    // envoy.config.route.v3.FilterConfig wraps the real config.
    if (cfg['@type'] === 'type.googleapis.com/envoy.config.route.v3.FilterConfig') cfg = obj(cfg['config'], `${p}.config`);
    const t = cfg['@type'];
    if (t === ExtensionType.Fault || name === 'envoy.filters.http.fault') out.fault = compileFault(cfg, p);
    else if (t === ExtensionType.CorsPolicy || name === 'envoy.filters.http.cors') out.cors = compileCors(cfg, p);
  }
  if (o['cors'] !== undefined) out.cors ??= compileCors(obj(o['cors'], `${path}.cors`), `${path}.cors`);
  return out;
}

function compileRoute(v: unknown, path: string, refs: Set<string>): CompiledRoute {
  const o = obj(v, path);
  let action: RouteAction;
  if (o['route'] !== undefined) {
    const f = compileForward(o['route'], `${path}.route`);
    if (f.cluster) refs.add(f.cluster);
    for (const w of f.weighted?.clusters ?? []) refs.add(w.name);
    for (const m of f.mirrors) refs.add(m.cluster);
    action = f;
  } else if (o['redirect'] !== undefined) action = compileRedirect(o['redirect'], `${path}.redirect`);
  else if (o['direct_response'] !== undefined) action = compileDirectResponse(o['direct_response'], `${path}.direct_response`);
  else if (o['non_forwarding_action'] !== undefined) action = { kind: 'direct', status: 404, body: undefined };
  else throw new ConfigError(path, 'one of route, redirect or direct_response is required');
  const pf = perFilter(o, path);
  return {
    name: str(o['name'], `${path}.name`),
    match: compileRouteMatch(o['match'], `${path}.match`),
    action,
    requestHeaders: compileHeaderOps(o['request_headers_to_add'], o['request_headers_to_remove'], `${path}.request_headers_to_add`, `${path}.request_headers_to_remove`),
    responseHeaders: compileHeaderOps(o['response_headers_to_add'], o['response_headers_to_remove'], `${path}.response_headers_to_add`, `${path}.response_headers_to_remove`),
    fault: pf.fault,
    cors: pf.cors,
    raw: o,
  };
}

function compileVirtualHost(v: unknown, path: string, refs: Set<string>): CompiledVirtualHost {
  const o = obj(v, path);
  const name = reqStr(o['name'], `${path}.name`);
  const domains = arr(o['domains'], `${path}.domains`).map((d, i) => str(d, `${path}.domains[${i}]`).toLowerCase());
  if (domains.length === 0) throw new ConfigError(`${path}.domains`, 'must have at least one domain');
  const pf = perFilter(o, path);
  return {
    name,
    domains,
    routes: arr(o['routes'], `${path}.routes`).map((r, i) => compileRoute(r, `${path}.routes[${i}]`, refs)),
    requestHeaders: compileHeaderOps(o['request_headers_to_add'], o['request_headers_to_remove'], `${path}.request_headers_to_add`, `${path}.request_headers_to_remove`),
    responseHeaders: compileHeaderOps(o['response_headers_to_add'], o['response_headers_to_remove'], `${path}.response_headers_to_add`, `${path}.response_headers_to_remove`),
    retry: compileRetryPolicy(o['retry_policy'], `${path}.retry_policy`),
    fault: pf.fault,
    cors: pf.cors,
    includeAttemptCount: bool(o['include_request_attempt_count'], `${path}.include_request_attempt_count`),
  };
}

/** Compiles a RouteConfiguration; domains must be unique across virtual hosts, as Envoy requires. */
export function compileRouteConfig(rc: Json, path = ''): CompiledRouteConfig {
  const pre = path ? `${path}.` : '';
  const refs = new Set<string>();
  const vhosts = arr(rc['virtual_hosts'], `${pre}virtual_hosts`).map((v, i) => compileVirtualHost(v, `${pre}virtual_hosts[${i}]`, refs));
  if (optObj(rc['vhds'], `${pre}vhds`)) throw new ConfigError(`${pre}vhds`, 'VHDS is not supported');
  const exact = new Map<string, CompiledVirtualHost>();
  const suffix: { suffix: string; vh: CompiledVirtualHost }[] = [];
  const prefix: { prefix: string; vh: CompiledVirtualHost }[] = [];
  let wildcard: CompiledVirtualHost | undefined;
  const seen = new Map<string, string>();
  vhosts.forEach((vh, i) => {
    vh.domains.forEach((d, j) => {
      const other = seen.get(d);
      if (other !== undefined) throw new ConfigError(`${pre}virtual_hosts[${i}].domains[${j}]`, `domain "${d}" is also used by virtual host "${other}"`);
      seen.set(d, vh.name);
      if (d === '*') wildcard = vh;
      else if (d.startsWith('*')) suffix.push({ suffix: d.slice(1), vh });
      else if (d.endsWith('*')) prefix.push({ prefix: d.slice(0, -1), vh });
      else exact.set(d, vh);
    });
  });
  suffix.sort((a, b) => b.suffix.length - a.suffix.length);
  prefix.sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    name: str(rc['name'], `${pre}name`),
    virtualHosts: vhosts,
    exactDomains: exact,
    suffixDomains: suffix,
    prefixDomains: prefix,
    wildcard,
    ignorePortInHostMatching: bool(rc['ignore_port_in_host_matching'], `${pre}ignore_port_in_host_matching`),
    requestHeaders: compileHeaderOps(rc['request_headers_to_add'], rc['request_headers_to_remove'], `${pre}request_headers_to_add`, `${pre}request_headers_to_remove`),
    responseHeaders: compileHeaderOps(rc['response_headers_to_add'], rc['response_headers_to_remove'], `${pre}response_headers_to_add`, `${pre}response_headers_to_remove`),
    clusterRefs: refs,
    raw: rc,
  };
}
