// Per-proxy inputs shared by every generator of one push.
import { egressAdmitsPort, hostMatches, type MeshSnapshot, type Proxy, type ResolvedVirtualService, type ServiceModel, type SidecarScope } from '@mesh/model';

export interface ProxyContext {
  readonly snapshot: MeshSnapshot;
  readonly proxy: Proxy;
  readonly scope: SidecarScope;
  /** Services the proxy can see (exportTo + Sidecar egress), sorted by hostname. */
  readonly services: readonly ServiceModel[];
  /** VirtualServices bound to `gateway` (`mesh` or `ns/name`) visible to the proxy; memoized per proxy. */
  virtualServices(gateway: string): readonly ResolvedVirtualService[];
  /** The VirtualService for `host` through `gateway`: exact host first, then the first wildcard match. */
  virtualServiceForHost(gateway: string, host: string): ResolvedVirtualService | undefined;
  /** Whether a visible service's port is reachable under the Sidecar's per-port egress listeners. */
  portVisible(service: ServiceModel, port: number): boolean;
  /** Config problems met while generating (`<Kind> <ns>/<name> <field>: <reason>`), left out of the output. */
  readonly errors: string[];
}

interface GatewayIndex {
  readonly list: readonly ResolvedVirtualService[];
  readonly exact: Map<string, ResolvedVirtualService>;
  readonly wildcard: readonly ResolvedVirtualService[];
}

/** Prepares the per-proxy view of the snapshot. */
export function proxyContext(snapshot: MeshSnapshot, proxy: Proxy): ProxyContext {
  const scope = snapshot.sidecarScope(proxy);
  // Routers see every exported service: gateways are not scoped by Sidecar resources.
  // Computed on first use: the per-proxy (inbound) part of a grouped sidecar never reads it.
  let services: readonly ServiceModel[] | undefined;
  const indexes = new Map<string, GatewayIndex>();
  const index = (gateway: string): GatewayIndex => {
    let idx = indexes.get(gateway);
    if (!idx) {
      const list = snapshot.virtualServicesFor(gateway, proxy.namespace);
      const exact = new Map<string, ResolvedVirtualService>();
      for (const vs of list) for (const h of vs.hosts) if (!h.startsWith('*') && !exact.has(h)) exact.set(h, vs);
      idx = { list, exact, wildcard: list.filter((vs) => vs.hosts.some((h) => h.startsWith('*'))) };
      indexes.set(gateway, idx);
    }
    return idx;
  };
  return {
    snapshot,
    proxy,
    scope,
    get services(): readonly ServiceModel[] {
      services ??=
        proxy.type === 'router'
          ? snapshot.visibleServices(proxy, { ...scope, egress: [{ hosts: [{ namespace: '*', host: '*' }] }] })
          : snapshot.visibleServices(proxy, scope);
      return services;
    },
    errors: [],
    // Routers are not scoped by Sidecar resources.
    portVisible: (svc, port) => proxy.type === 'router' || egressAdmitsPort(scope, svc.namespace, svc.hostname, port),
    virtualServices: (gateway) => index(gateway).list,
    virtualServiceForHost: (gateway, host) => {
      const idx = index(gateway);
      return idx.exact.get(host) ?? idx.wildcard.find((vs) => vs.hosts.some((h) => hostMatches(h, host)));
    },
  };
}
