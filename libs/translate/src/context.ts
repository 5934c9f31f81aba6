// Per-proxy inputs shared by every generator of one push.
import type { MeshSnapshot, Proxy, ServiceModel, SidecarScope } from '@mesh/model';

export interface ProxyContext {
  readonly snapshot: MeshSnapshot;
  readonly proxy: Proxy;
  readonly scope: SidecarScope;
  /** Services the proxy can see (exportTo + Sidecar egress), sorted by hostname. */
  readonly services: readonly ServiceModel[];
}

/** Prepares the per-proxy view of the snapshot. */
export function proxyContext(snapshot: MeshSnapshot, proxy: Proxy): ProxyContext {
  const scope = snapshot.sidecarScope(proxy);
  // Routers see every exported service: gateways are not scoped by Sidecar resources.
  const services = proxy.type === 'router' ? snapshot.visibleServices(proxy, { ...scope, egress: [{ hosts: [{ namespace: '*', host: '*' }] }] }) : snapshot.visibleServices(proxy, scope);
  return { snapshot, proxy, scope, services };
}
