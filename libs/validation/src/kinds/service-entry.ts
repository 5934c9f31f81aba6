// ServiceEntry (upstream ValidateServiceEntry).
import type { ResourceContext } from '../context.ts';
import { validateExportTo } from '../export-to.ts';
import { checkFQDN, checkPartialWildcard, checkWildcardDomain } from '../hosts.ts';
import { checkIPSubnet, isIP } from '../ip.ts';
import type { Report } from '../issues.ts';
import { validateLabels, validateSelectorLabels } from '../labels.ts';
import { checkPort, checkProtocol, isHTTPProtocol, isTCPProtocol, isTLSProtocol } from '../ports.ts';
import type { Obj } from '../values.ts';
import { arr, has, num, obj, str, strList } from '../values.ts';
import { checkPortName, validateWorkloadEntryBody } from './workload-entry.ts';

const RESOLUTIONS = new Set(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']);

function validateDnsEndpoints(r: Report, endpoints: unknown[], servicePorts: Set<string>): void {
  endpoints.forEach((item, i) => {
    const path = `spec.endpoints[${i}]`;
    const ep = obj(item);
    if (!ep) {
      r.error(path, 'endpoint cannot be nil');
      return;
    }
    const addr = str(ep['address']);
    if (!isIP(addr) && checkFQDN(addr)) r.error(`${path}.address`, `endpoint address "${addr}" is not a valid FQDN or an IP address`);
    validateLabels(r, `${path}.labels`, ep['labels']);
    for (const [name, port] of Object.entries(obj(ep['ports']) ?? {})) {
      const p = `${path}.ports[${JSON.stringify(name)}]`;
      if (!servicePorts.has(name)) r.error(p, `endpoint port ${num(port)} is not defined by the service entry`);
      r.check(p, checkPortName(name));
      r.check(p, checkPort(num(port)));
    }
  });
}

function validateDynamicDns(r: Report, ctx: ResourceContext, ports: Obj[]): void {
  const { spec } = ctx;
  for (const [i, h] of strList(spec['hosts']).entries()) {
    if (!h.startsWith('*')) r.error(`spec.hosts[${i}]`, 'DYNAMIC_DNS resolution requires wildcard hosts');
  }
  if (strList(spec['addresses']).length > 0) r.error('spec.addresses', 'addresses are not allowed with DYNAMIC_DNS resolution');
  if ((arr(spec['endpoints']) ?? []).length > 0) r.error('spec.endpoints', 'endpoints are not allowed with DYNAMIC_DNS resolution');
  ports.forEach((port, i) => {
    const protocol = str(port['protocol']);
    const p = protocol.toLowerCase();
    if (!(isHTTPProtocol(protocol) || isTLSProtocol(protocol)) || p === 'http_proxy') {
      r.error(`spec.ports[${i}].protocol`, `DYNAMIC_DNS resolution only supports HTTP, HTTP2, GRPC, HTTPS and TLS ports, found "${protocol}"`);
    }
  });
  const location = str(spec['location']) || 'MESH_EXTERNAL';
  if (location === 'MESH_INTERNAL' && ctx.labels['istio.io/use-waypoint'] !== undefined) {
    r.error('spec.location', 'DYNAMIC_DNS resolution with MESH_INTERNAL location is not supported with a waypoint');
  }
}

/** Validates a ServiceEntry spec. */
export function validateServiceEntry(r: Report, ctx: ResourceContext): void {
  const { spec, namespace } = ctx;
  const resolution = str(spec['resolution']) || 'NONE';
  const selectorSet = has(spec, 'workloadSelector');
  if (selectorSet) {
    const before = r.errors.length;
    validateSelectorLabels(r, 'spec.workloadSelector.labels', obj(spec['workloadSelector'])?.['labels'],
      'service entry: workload selector specified without labels, will be applied to all services in namespace');
    if (r.errors.length > before) return;
  }
  const endpoints = arr(spec['endpoints']);
  if (selectorSet && endpoints !== undefined) r.error('spec', 'only one of WorkloadSelector or Endpoints is allowed in Service Entry');
  const hosts = strList(spec['hosts']);
  if (hosts.length === 0) r.error('spec.hosts', 'service entry must have at least one host');
  hosts.forEach((h, i) => {
    if (h === '*') {
      r.error(`spec.hosts[${i}]`, `invalid host ${h}`);
      return;
    }
    r.check(`spec.hosts[${i}]`, checkWildcardDomain(h));
    const partial = checkPartialWildcard(h);
    if (partial && resolution !== 'DYNAMIC_DNS') r.warn(`spec.hosts[${i}]`, partial);
  });
  const addresses = strList(spec['addresses']);
  let cidr = false;
  addresses.forEach((a, i) => {
    cidr ||= a.includes('/');
    r.check(`spec.addresses[${i}]`, checkIPSubnet(a));
  });
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') {
    r.error('spec.addresses', 'CIDR addresses are allowed only for NONE/STATIC resolution types');
  }
  const autoAllocate = ctx.labels['networking.istio.io/enable-autoallocate-ip'] === 'true';
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  const ports: Obj[] = [];
  (arr(spec['ports']) ?? []).forEach((item, i) => {
    const path = `spec.ports[${i}]`;
    const port = obj(item);
    if (!port) {
      r.error(path, 'service entry port may not be null');
      return;
    }
    ports.push(port);
    const name = str(port['name']);
    const number = num(port['number']);
    if (portNames.has(name)) r.error(`${path}.name`, `service entry port name "${name}" already defined`);
    portNames.add(name);
    if (portNumbers.has(number)) r.error(`${path}.number`, `service entry port ${number} already defined`);
    portNumbers.add(number);
    if (num(port['targetPort']) !== 0) r.check(`${path}.targetPort`, checkPort(num(port['targetPort'])));
    const protocol = str(port['protocol']);
    if (addresses.length === 0 && !autoAllocate && (protocol === '' || protocol === 'TCP')) {
      r.warn(path, 'addresses are required for ports serving TCP (or unset) protocol when ISTIO_META_DNS_AUTO_ALLOCATE is not set on a proxy');
    }
    r.check(`${path}.name`, checkPortName(name));
    r.check(`${path}.protocol`, checkProtocol(protocol));
    r.check(`${path}.number`, checkPort(number));
  });
  const eps = endpoints ?? [];
  switch (resolution) {
    case 'NONE':
      if (eps.length !== 0) r.error('spec.endpoints', 'no endpoints should be provided for resolution type none');
      if (selectorSet) r.warn('spec.workloadSelector', 'workloadSelector should not be set when resolution mode is NONE');
      break;
    case 'STATIC':
      eps.forEach((item, i) => {
        const ep = obj(item);
        if (!ep) r.error(`spec.endpoints[${i}]`, 'endpoint cannot be nil');
        else validateWorkloadEntryBody(r, `spec.endpoints[${i}]`, ep, portNames, false);
      });
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (eps.length === 0) {
        hosts.forEach((h, i) => {
          if (checkFQDN(h)) r.error(`spec.hosts[${i}]`, `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}`);
        });
      }
      if (resolution === 'DNS_ROUND_ROBIN' && eps.length > 1) {
        r.error('spec.endpoints', `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
      }
      validateDnsEndpoints(r, eps, portNames);
      if (addresses.length > 0 && hosts.length > 1 && ports.some((p) => isTCPProtocol(str(p['protocol'])))) {
        r.warn('spec.hosts', 'service entry can not have more than one host specified simultaneously with address and tcp port');
      }
      break;
    case 'DYNAMIC_DNS':
      validateDynamicDns(r, ctx, ports);
      break;
    default:
      r.error('spec.resolution', `unsupported resolution type ${resolution}`);
  }
  if (RESOLUTIONS.has(resolution) && resolution !== 'NONE' && hosts.length > 1) {
    const bad = ports.findIndex((p) => !isHTTPProtocol(str(p['protocol'])) && !isTLSProtocol(str(p['protocol'])));
    if (bad >= 0) r.error(`spec.ports[${bad}]`, 'multiple hosts provided with non-HTTP, non-TLS ports');
  }
  validateExportTo(r, 'spec.exportTo', namespace, spec['exportTo'], { serviceEntry: true, destinationRuleWithSelector: false });
}
