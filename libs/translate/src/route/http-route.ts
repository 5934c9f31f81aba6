// VirtualService `http:` routes → Envoy routes, one per applicable match, in order; delegate VirtualServices are
// expanded in place with their matches merged under the root's.
import type { HTTPMatchRequest, HTTPRoute } from '@mesh/api';
import { resolveGatewayRef, type ResolvedVirtualService } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { corsConfig, faultConfig, applyHeaders } from './route-filters.ts';
import { matchApplies, translateRouteMatch } from './route-match.ts';
import { redirectAction, translateRouteAction } from './route-action.ts';
import { ConfigError } from '../util/config-error.ts';

/** Where a route comes from, for metadata (`istio.config`). */
function configPath(ns: string, name: string): string {
  return `/apis/networking.istio.io/v1/namespaces/${ns}/virtual-service/${name}`;
}

/** `<host>:<port><path>` when the route has one cluster, else `<vs name>:<port><path>` (upstream getRouteOperation). */
function operation(route: EnvoyJson, vsName: string, port: number): string {
  const m = route['match'] as EnvoyJson;
  const path = typeof m['prefix'] === 'string' ? `${m['prefix']}*` : typeof m['path'] === 'string' ? m['path'] : ((m['safe_regex'] as EnvoyJson | undefined)?.['regex'] as string | undefined) ?? '/*';
  const cluster = (route['route'] as EnvoyJson | undefined)?.['cluster'];
  if (typeof cluster === 'string' && cluster.startsWith('outbound|')) {
    const [, p, , host] = cluster.split('|');
    return `${host}:${p}${path}`;
  }
  return `${vsName}:${port}${path}`;
}

/** Merges a delegate's match under the root's: the delegate's fields win, missing ones come from the root. */
function mergeMatch(root: HTTPMatchRequest | undefined, del: HTTPMatchRequest | undefined): HTTPMatchRequest | undefined {
  if (!root) return del;
  if (!del) return root;
  const merged: HTTPMatchRequest = { ...root, ...del };
  if (root.headers || del.headers) merged.headers = { ...root.headers, ...del.headers };
  if (root.queryParams || del.queryParams) merged.queryParams = { ...root.queryParams, ...del.queryParams };
  if (root.withoutHeaders || del.withoutHeaders) merged.withoutHeaders = { ...root.withoutHeaders, ...del.withoutHeaders };
  return merged;
}

interface FlatRoute {
  readonly route: HTTPRoute;
  /** Namespace destinations resolve against (the delegate's for delegated routes). */
  readonly namespace: string;
  readonly vsName: string;
  readonly vsNamespace: string;
}

/** Expands delegate references (one level, as upstream allows). */
function flatten(ctx: ProxyContext, vs: ResolvedVirtualService): FlatRoute[] {
  const out: FlatRoute[] = [];
  for (const r of vs.resource.spec.http ?? []) {
    if (!r.delegate) {
      out.push({ route: r, namespace: vs.namespace, vsName: vs.name, vsNamespace: vs.namespace });
      continue;
    }
    const target = ctx.snapshot.virtualService(r.delegate.namespace ?? vs.namespace, r.delegate.name);
    if (!target) continue;
    for (const dr of target.resource.spec.http ?? []) {
      if (dr.delegate) continue; // nested delegation is not allowed
      const rootMatches = r.match && r.match.length > 0 ? r.match : [undefined];
      const delMatches = dr.match && dr.match.length > 0 ? dr.match : [undefined];
      const matches: HTTPMatchRequest[] = [];
      for (const rm of rootMatches) for (const dm of delMatches) {
        const m = mergeMatch(rm, dm);
        if (m) matches.push(m);
      }
      const merged: HTTPRoute = { ...dr, ...(matches.length > 0 ? { match: matches } : {}) };
      out.push({ route: merged, namespace: target.namespace, vsName: target.name, vsNamespace: target.namespace });
    }
  }
  return out;
}

/** Translates a VirtualService's HTTP routes for one listener port (0 = any) and gateway (`mesh` or `ns/name`). */
export function translateVirtualServiceRoutes(ctx: ProxyContext, vs: ResolvedVirtualService, gateway: string, port: number): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  const flatRoutes = flatten(ctx, vs);
  for (const [index, flat] of flatRoutes.entries()) {
    const r = flat.route;
    const resolveGw = (g: string): string => resolveGatewayRef(g, flat.vsNamespace);
    let matches: Array<HTTPMatchRequest | undefined>;
    if (r.match && r.match.length > 0) {
      matches = r.match.filter((m) => matchApplies(m, ctx.proxy, gateway, port, resolveGw));
      if (matches.length === 0) continue;
    } else matches = [undefined];
    for (const m of matches) {
      let route: EnvoyJson;
      try {
        route = translateOne(ctx, flat, m, port);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        ctx.errors.push(`VirtualService ${flat.vsNamespace}/${flat.vsName} http[${index}]: ${err.message}`);
        continue;
      }
      out.push(route);
      // A match-all route makes every later route unreachable; upstream stops there too.
      if (!m && !r.match?.length) break;
    }
    if (!r.match || r.match.length === 0) break;
  }
  return out;
}

/** One Envoy route for one applicable match of a flattened HTTP route. */
function translateOne(ctx: ProxyContext, flat: FlatRoute, m: HTTPMatchRequest | undefined, port: number): EnvoyJson {
  const r = flat.route;
  const route: EnvoyJson = {};
  if (r.name) route['name'] = m?.name ? `${r.name}.${m.name}` : r.name;
  route['match'] = translateRouteMatch(m);
  if (r.redirect) route['redirect'] = redirectAction(r.redirect);
  else if (r.directResponse) {
    const body = r.directResponse.body?.string ?? (r.directResponse.body?.bytes ? Buffer.from(r.directResponse.body.bytes, 'base64').toString() : undefined);
    route['direct_response'] = { status: r.directResponse.status, ...(body !== undefined ? { body: { inline_string: body } } : {}) };
  } else route['route'] = translateRouteAction(ctx, r, flat.namespace, port, route);
  route['metadata'] = { filter_metadata: { istio: { config: configPath(flat.vsNamespace, flat.vsName) } } };
  route['decorator'] = { operation: operation(route, flat.vsName, port) };
  applyHeaders(route, 'request', r.headers?.request);
  applyHeaders(route, 'response', r.headers?.response);
  const perFilter: EnvoyJson = {};
  const fault = r.fault ? faultConfig(r.fault) : undefined;
  if (fault) perFilter['envoy.filters.http.fault'] = fault;
  if (r.corsPolicy) perFilter['envoy.filters.http.cors'] = corsConfig(r.corsPolicy);
  if (Object.keys(perFilter).length > 0) route['typed_per_filter_config'] = perFilter;
  return route;
}
