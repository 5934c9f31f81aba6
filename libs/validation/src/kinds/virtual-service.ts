// VirtualService (upstream ValidateVirtualService).
import type { ResourceContext } from '../context.ts';
import { validateExportTo } from '../export-to.ts';
import { checkWildcardDomain, checkWildcardDomainForGateway, hostsMatch, hostSubsetOf } from '../hosts.ts';
import { checkIPSubnet, isIP } from '../ip.ts';
import type { Report } from '../issues.ts';
import { validateLabels } from '../labels.ts';
import { checkPort } from '../ports.ts';
import type { Obj } from '../values.ts';
import { arr, num, obj, strList } from '../values.ts';
import { validateGatewayNames } from './gateway-names.ts';
import { isJwtClaimRoute } from './http-headers.ts';
import { validateHTTPRoute } from './http-route.ts';
import { validateRouteDestinations } from './route-destination.ts';
import { analyzeUnreachableRules } from './vs-analysis.ts';

function validateL4Match(r: Report, path: string, m: Obj): void {
  strList(m['destinationSubnets']).forEach((s, i) => r.check(`${path}.destinationSubnets[${i}]`, checkIPSubnet(s)));
  if (num(m['port']) !== 0) r.check(`${path}.port`, checkPort(num(m['port'])));
  validateLabels(r, `${path}.sourceLabels`, m['sourceLabels']);
  validateGatewayNames(r, `${path}.gateways`, m['gateways'], false);
}

function validateSniHost(r: Report, path: string, sni: string, hosts: string[], boundToGateway: boolean): void {
  const err = boundToGateway ? checkWildcardDomainForGateway(true, sni) : checkWildcardDomain(sni);
  if (err) {
    if (isIP(sni)) r.warn(path, `using an IP address ("${sni}") goes against SNI spec and most clients do not support this`);
    else r.error(path, err);
    return;
  }
  if (!hosts.some((h) => hostSubsetOf(sni, h))) {
    r.error(path, `SNI host "${sni}" is not a compatible subset of any of the virtual service hosts: [${hosts.join(', ')}]`);
  }
}

function validateTLSRoutes(r: Report, spec: Obj, hosts: string[], boundToGateway: boolean, gatewaySemantics: boolean): void {
  (arr(spec['tls']) ?? []).forEach((item, i) => {
    const path = `spec.tls[${i}]`;
    const route = obj(item);
    if (!route) return;
    const matches = arr(route['match']) ?? [];
    if (matches.length === 0) r.error(`${path}.match`, 'TLS route must have at least one match condition');
    matches.forEach((mi, j) => {
      const mp = `${path}.match[${j}]`;
      const m = obj(mi);
      if (!m) {
        r.error(mp, 'TLS match may not be null');
        return;
      }
      const snis = strList(m['sniHosts']);
      if (snis.length === 0) r.error(`${mp}.sniHosts`, 'TLS match must have at least one SNI host');
      snis.forEach((sni, k) => validateSniHost(r, `${mp}.sniHosts[${k}]`, sni, hosts, boundToGateway));
      validateL4Match(r, mp, m);
    });
    if ((arr(route['route']) ?? []).length === 0) r.error(`${path}.route`, 'TLS route is required');
    validateRouteDestinations(r, `${path}.route`, route['route'], false, gatewaySemantics);
  });
}

function validateTCPRoutes(r: Report, spec: Obj, gatewaySemantics: boolean): void {
  (arr(spec['tcp']) ?? []).forEach((item, i) => {
    const path = `spec.tcp[${i}]`;
    const route = obj(item);
    if (!route) return;
    (arr(route['match']) ?? []).forEach((mi, j) => {
      const m = obj(mi);
      if (!m) r.error(`${path}.match[${j}]`, 'tcp match may not be nil');
      else validateL4Match(r, `${path}.match[${j}]`, m);
    });
    if ((arr(route['route']) ?? []).length === 0) r.error(`${path}.route`, 'TCP route is required');
    validateRouteDestinations(r, `${path}.route`, route['route'], false, gatewaySemantics);
  });
}

/** Validates a VirtualService spec. */
export function validateVirtualService(r: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  const hosts = strList(spec['hosts']);
  const gateways = strList(spec['gateways']);
  const http = arr(spec['http']) ?? [];
  const tls = arr(spec['tls']) ?? [];
  const tcp = arr(spec['tcp']) ?? [];
  const delegate = hosts.length === 0;
  if (delegate) {
    if (gateways.length > 0) r.error('spec.gateways', 'delegate virtual service must have no gateways specified');
    if (tls.length > 0) r.error('spec.tls', 'delegate virtual service must have no tls route specified');
    if (tcp.length > 0) r.error('spec.tcp', 'delegate virtual service must have no tcp route specified');
  }
  const gatewaySemantics = ctx.annotations['internal.istio.io/route-semantics'] === 'gateway';
  let appliesToGateway = false;
  if (gateways.length > 0) {
    validateGatewayNames(r, 'spec.gateways', spec['gateways'], gatewaySemantics);
    appliesToGateway = !gateways.includes('mesh');
  }
  const appliesToMesh = !appliesToGateway;
  if (!appliesToGateway) {
    http.forEach((route, i) => {
      (arr(obj(route)?.['match']) ?? []).forEach((m, j) => {
        for (const field of ['headers', 'withoutHeaders']) {
          for (const key of Object.keys(obj(obj(m)?.[field]) ?? {})) {
            if (isJwtClaimRoute(key)) {
              r.error(`spec.http[${i}].match[${j}].${field}`, `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${gateways.join(' ')}]`);
            }
          }
        }
      });
    });
  }
  const sni = tls.some((t) => (arr(obj(t)?.['match']) ?? []).some((m) => strList(obj(m)?.['sniHosts']).length > 0));
  let allHostsValid = true;
  hosts.forEach((h, i) => {
    const err = appliesToGateway ? checkWildcardDomainForGateway(sni, h) : checkWildcardDomain(h);
    if (err) {
      if (!isIP(h)) {
        r.error(`spec.hosts[${i}]`, err);
        allHostsValid = false;
      }
    } else if (appliesToMesh && h === '*') {
      r.error(`spec.hosts[${i}]`, 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        const a = hosts[i] ?? '';
        const b = hosts[j] ?? '';
        if (hostsMatch(a, b)) r.error('spec.hosts', `duplicate hosts in virtual service: ${a} & ${b}`);
      }
    }
  }
  if (http.length === 0 && tcp.length === 0 && tls.length === 0) r.error('spec', 'http, tcp or tls must be provided in virtual service');
  http.forEach((item, i) => {
    const route = obj(item);
    if (!route) r.error(`spec.http[${i}]`, 'http route may not be null');
    else validateHTTPRoute(r, `spec.http[${i}]`, route, delegate, gatewaySemantics);
  });
  validateTLSRoutes(r, spec, hosts, appliesToGateway, gatewaySemantics);
  validateTCPRoutes(r, spec, gatewaySemantics);
  validateExportTo(r, 'spec.exportTo', ctx.namespace, spec['exportTo'], { serviceEntry: false, destinationRuleWithSelector: false });
  analyzeUnreachableRules(r, spec);
}
