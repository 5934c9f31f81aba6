// ClusterLoadAssignment (EDS resource or a cluster's load_assignment) → HostSpec list.
import { ConfigError, arr, enumOf, isObject, obj, optObj, str, uint, type Json } from '../config/json-reader.ts';
import type { HostSpec } from './cluster-types.ts';

/** An Envoy Address as host/port or unix pipe. */
export function parseAddress(v: unknown, path: string): { address: string; port: number; pipe: string | undefined } {
  const o = obj(v, path);
  if (o['pipe'] !== undefined) {
    const pipe = str(obj(o['pipe'], `${path}.pipe`)['path'], `${path}.pipe.path`);
    if (!pipe) throw new ConfigError(`${path}.pipe.path`, 'is required');
    return { address: pipe, port: 0, pipe };
  }
  const sa = optObj(o['socket_address'], `${path}.socket_address`);
  if (!sa) throw new ConfigError(path, 'socket_address or pipe is required');
  const address = str(sa['address'], `${path}.socket_address.address`);
  if (!address) throw new ConfigError(`${path}.socket_address.address`, 'is required');
  const port = uint(sa['port_value'], `${path}.socket_address.port_value`, 0);
  if (port > 65535) throw new ConfigError(`${path}.socket_address.port_value`, 'must be at most 65535');
  return { address, port, pipe: undefined };
}

const healthValues = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'] as const;

function localityName(v: unknown): string {
  if (!isObject(v)) return '';
  return [v['region'], v['zone'], v['sub_zone']].filter((x) => typeof x === 'string' && x !== '').join('/');
}

/** The hosts of a ClusterLoadAssignment, with priority, weight, health and transport-socket metadata. */
export function parseLoadAssignment(cla: Json, path: string): HostSpec[] {
  const hosts: HostSpec[] = [];
  arr(cla['endpoints'], `${path}.endpoints`).forEach((le, i) => {
    const lp = `${path}.endpoints[${i}]`;
    const l = obj(le, lp);
    const priority = uint(l['priority'], `${lp}.priority`, 0);
    const locality = localityName(l['locality']);
    arr(l['lb_endpoints'], `${lp}.lb_endpoints`).forEach((e, j) => {
      const ep = `${lp}.lb_endpoints[${j}]`;
      const lbe = obj(e, ep);
      const endpoint = obj(lbe['endpoint'], `${ep}.endpoint`);
      const addr = parseAddress(endpoint['address'], `${ep}.endpoint.address`);
      if (!addr.pipe && addr.port === 0) throw new ConfigError(`${ep}.endpoint.address.socket_address.port_value`, 'is required');
      const health = enumOf(lbe['health_status'], `${ep}.health_status`, healthValues, 'UNKNOWN');
      const weight = uint(lbe['load_balancing_weight'], `${ep}.load_balancing_weight`, 1);
      if (weight < 1) throw new ConfigError(`${ep}.load_balancing_weight`, 'must be at least 1');
      const md = obj(obj(lbe['metadata'], `${ep}.metadata`)['filter_metadata'], `${ep}.metadata.filter_metadata`);
      const socketMatch = obj(md['envoy.transport_socket_match'], `${ep}.metadata.filter_metadata["envoy.transport_socket_match"]`);
      hosts.push({
        ...addr,
        weight,
        priority,
        locality,
        healthy: health === 'UNKNOWN' || health === 'HEALTHY' || health === 'DEGRADED',
        socketMatch,
      });
    });
  });
  return hosts;
}
