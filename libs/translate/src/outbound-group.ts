// The outbound half of a sidecar's config (outbound clusters + EDS, per-port outbound listeners, virtualOutbound,
// outbound routes) depends on only a few proxy fields. Sidecars that agree on them get identical output, so istiod
// generates it once per group and adds the small per-proxy (inbound) part for each sidecar.
//
// Every proxy field the outbound builders read, directly or through the snapshot queries, is in the key:
//   namespace         visibility (exportTo), DestinationRule/VirtualService lookup, sourceNamespace matches
//   Sidecar resource  which one applies (its workloadSelector reads the labels): egress hosts, outbound policy
//   sourceLabels      for each distinct VirtualService match selector, whether the proxy's labels satisfy it
//   dnsDomain         the short host forms in virtual host domains
//   interceptionMode  bind_to_port on outbound listeners, virtualOutbound present and transparent
//   locality          EDS priorities and weights, only when mesh-wide locality load balancing is enabled
// Routers (gateway listeners select on labels) and proxyless gRPC clients (listeners on the proxy's IP) are not
// grouped: they return no key and are generated whole.
import { labelsMatch, type MeshSnapshot, type Proxy } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import { buildOutboundClusters } from './cluster/outbound-clusters.ts';
import { proxyContext } from './context.ts';
import { buildOutboundListeners } from './listener/outbound-listeners.ts';
import { buildVirtualOutbound } from './listener/virtual-outbound.ts';
import { buildSidecarRouteConfig, buildSniffedRouteConfig } from './route/sidecar-routes.ts';
import { byName } from './util/by-name.ts';

/** A sidecar's outbound resources, shared by every sidecar with the same group key. Treat as immutable. */
export interface OutboundConfig {
  readonly clusters: ReadonlyMap<string, EnvoyJson>;
  readonly endpoints: ReadonlyMap<string, EnvoyJson>;
  /** Per-port outbound listeners, then virtualOutbound (unless interception is NONE). */
  readonly listeners: ReadonlyMap<string, EnvoyJson>;
  readonly routes: ReadonlyMap<string, EnvoyJson>;
  /** Config errors met while building clusters, listeners and routes (kept apart to preserve the overall order). */
  readonly errors: { readonly clusters: readonly string[]; readonly listeners: readonly string[]; readonly routes: readonly string[] };
  /** What the listeners ask routes for: RouteConfiguration `"<port>"` per HTTP port, `<host>:<port>` per sniffed port. */
  readonly routeNames: { readonly httpPorts: readonly number[]; readonly sniffed: ReadonlyArray<{ readonly hostname: string; readonly port: number }> };
}

/** Which earlier outbound parts generateOutbound may take over instead of rebuilding (the caller vouches for them). */
export interface OutboundReuse {
  /** Clusters, endpoints and their errors: nothing they are built from changed (only VirtualServices/Gateways did). */
  readonly clusters?: OutboundConfig;
  /** Listeners, their errors and route names: also no VirtualService they read changed (see listenersReadVirtualServices). */
  readonly listeners?: OutboundConfig;
}

type Selector = Readonly<Record<string, string>>;

/** Distinct VirtualService sourceLabels selectors per snapshot (computed once; snapshots are immutable). */
const selectorCache = new WeakMap<MeshSnapshot, readonly Selector[]>();

function matchSelectors(matches: ReadonlyArray<{ readonly sourceLabels?: Selector }> | undefined, into: Map<string, Selector>): void {
  for (const m of matches ?? []) {
    const sel = m.sourceLabels;
    if (sel === undefined) continue;
    const key = JSON.stringify(Object.entries(sel).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (!into.has(key)) into.set(key, sel);
  }
}

function sourceLabelSelectors(snapshot: MeshSnapshot): readonly Selector[] {
  let list = selectorCache.get(snapshot);
  if (list === undefined) {
    const found = new Map<string, Selector>();
    // Every VirtualService, delegates included: a delegate's matches are merged into its root's routes.
    for (const vs of snapshot.config.virtualServices) {
      const spec = vs.resource.spec;
      for (const r of spec.http ?? []) matchSelectors(r.match, found);
      for (const r of spec.tcp ?? []) matchSelectors(r.match, found);
      for (const r of spec.tls ?? []) matchSelectors(r.match, found);
    }
    list = [...found.values()];
    selectorCache.set(snapshot, list);
  }
  return list;
}

const readsL4 = new WeakMap<MeshSnapshot, boolean>();

/**
 * True when some VirtualService has `tcp` or `tls` routes. Sidecar outbound listeners read VirtualServices only
 * through those (HTTP routes live in RDS), so without any on either side of a change the listeners stay the same.
 */
export function listenersReadVirtualServices(snapshot: MeshSnapshot): boolean {
  let found = readsL4.get(snapshot);
  if (found === undefined) {
    found = snapshot.config.virtualServices.some((vs) => (vs.resource.spec.tcp?.length ?? 0) > 0 || (vs.resource.spec.tls?.length ?? 0) > 0);
    readsL4.set(snapshot, found);
  }
  return found;
}

/**
 * The key under which `proxy`'s outbound config can be shared with other proxies for this snapshot, or undefined
 * when the proxy must be generated whole (routers, proxyless gRPC).
 */
export function outboundGroupKey(snapshot: MeshSnapshot, proxy: Proxy): string | undefined {
  if (proxy.type !== 'sidecar' || proxy.generator === 'grpc') return undefined;
  const sidecar = snapshot.sidecarScope(proxy).resource;
  const sidecarIndex = sidecar === undefined ? -1 : snapshot.config.sidecars.indexOf(sidecar);
  let labelBits = '';
  for (const sel of sourceLabelSelectors(snapshot)) labelBits += labelsMatch(sel, proxy.labels) ? '1' : '0';
  const loc = snapshot.meshConfig.localityLbSetting.enabled ? `${proxy.locality.region}/${proxy.locality.zone}/${proxy.locality.subzone}` : '';
  return JSON.stringify([proxy.namespace, sidecarIndex, labelBits, proxy.dnsDomain, proxy.interceptionMode, loc]);
}

/**
 * Builds the outbound part of a sidecar's config (see outboundGroupKey for what it may be shared under), taking
 * over the parts `reuse` names from an earlier result for the same group key instead of rebuilding them.
 */
export function generateOutbound(snapshot: MeshSnapshot, proxy: Proxy, reuse: OutboundReuse = {}): OutboundConfig {
  const ctx = proxyContext(snapshot, proxy);
  let clusters = reuse.clusters?.clusters;
  let endpoints = reuse.clusters?.endpoints;
  let clusterErrors = reuse.clusters?.errors.clusters;
  if (clusters === undefined || endpoints === undefined || clusterErrors === undefined) {
    const outbound = buildOutboundClusters(ctx);
    clusters = byName(outbound.clusters);
    endpoints = byName(outbound.endpoints, 'cluster_name');
    clusterErrors = ctx.errors.splice(0);
  }
  let listeners = reuse.listeners?.listeners;
  let listenerErrors = reuse.listeners?.errors.listeners;
  let routeNames = reuse.listeners?.routeNames;
  if (listeners === undefined || listenerErrors === undefined || routeNames === undefined) {
    const out = buildOutboundListeners(ctx);
    const list = [...out.listeners];
    if (proxy.interceptionMode !== 'NONE') list.push(buildVirtualOutbound(ctx));
    listeners = byName(list);
    listenerErrors = ctx.errors.splice(0);
    routeNames = { httpPorts: out.httpPorts, sniffed: out.sniffed.map((s) => ({ hostname: s.service.hostname, port: s.port })) };
  }
  const routes = [...routeNames.httpPorts.map((p) => buildSidecarRouteConfig(ctx, p))];
  if (routeNames.sniffed.length > 0) {
    const byHost = new Map(ctx.services.map((svc) => [svc.hostname, svc]));
    for (const s of routeNames.sniffed) {
      const service = byHost.get(s.hostname);
      if (service !== undefined) routes.push(buildSniffedRouteConfig(ctx, service, s.port));
    }
  }
  return {
    clusters,
    endpoints,
    listeners,
    routes: byName(routes),
    errors: { clusters: clusterErrors, listeners: listenerErrors, routes: ctx.errors.splice(0) },
    routeNames,
  };
}
