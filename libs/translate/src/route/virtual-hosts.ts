// Virtual hosts of a sidecar's outbound route configuration: one per service on the port, named `<host>:<port>`,
// with the host forms a client in the proxy's namespace can use, plus the allow_any / block_all catch-all.
import type { ServiceModel } from '@mesh/model';
import type { EnvoyJson } from '@mesh/xds';
import type { ProxyContext } from '../context.ts';
import { PassthroughCluster } from '../util/names.ts';

/** Short forms of a Kubernetes host as seen from `proxyDomain` (`<ns>.svc.<suffix>`), like upstream. */
export function altHosts(hostname: string, proxyDomain: string): string[] {
  const pd = proxyDomain.indexOf('.svc.');
  const hd = hostname.indexOf('.svc.');
  if (pd < 0 || hd < 0 || hostname.slice(hd) !== proxyDomain.slice(pd)) return [];
  const dot = hostname.indexOf('.');
  if (dot < 0 || dot + 1 > hd) return [];
  const name = hostname.slice(0, dot);
  const nsPart = hostname.slice(dot + 1, hd);
  const base = hostname.slice(0, hd);
  if (nsPart === proxyDomain.slice(0, pd)) return [name, `${base}.svc`, base];
  return [base, `${base}.svc`];
}

/** Domains of a service's virtual host (ports ignored: sidecars set ignore_port_in_host_matching). */
export function serviceDomains(svc: ServiceModel, ctx: ProxyContext, withPort?: number): string[] {
  const add = (list: string[], d: string): void => {
    list.push(d);
    if (withPort !== undefined) list.push(`${d}:${withPort}`);
  };
  const domains: string[] = [];
  add(domains, svc.hostname);
  for (const h of altHosts(svc.hostname, ctx.proxy.dnsDomain)) add(domains, h);
  if (svc.registry === 'Kubernetes' && svc.resolution === 'Passthrough') for (const d of [...domains]) domains.push(`*.${d}`);
  for (const a of svc.addresses) if (a && a !== '0.0.0.0') add(domains, a.includes(':') ? `[${a}]` : a);
  return domains;
}

/** The catch-all virtual host: PassthroughCluster (ALLOW_ANY) or a 502 (REGISTRY_ONLY). */
export function catchAllVirtualHost(ctx: ProxyContext): EnvoyJson {
  if (ctx.scope.outboundTrafficPolicy === 'ALLOW_ANY') {
    return {
      name: 'allow_any',
      domains: ['*'],
      routes: [
        {
          name: 'allow_any',
          match: { prefix: '/' },
          route: { cluster: PassthroughCluster, timeout: '0s', max_grpc_timeout: '0s' },
        },
      ],
      include_request_attempt_count: true,
    };
  }
  return {
    name: 'block_all',
    domains: ['*'],
    routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }],
    include_request_attempt_count: true,
  };
}
