// Route destinations shared by VirtualService routes, mirrors and the Sidecar egress proxy.
import { checkWildcardDomain } from '../hosts.ts';
import type { Report } from '../issues.ts';
import { checkPort } from '../ports.ts';
import { arr, has, num, obj, str } from '../values.ts';
import { checkSubsetName } from './destination-rule.ts';
import { validateHeaderOperations } from './http-headers.ts';

/** Validates a Destination (host, subset, port). */
export function validateDestination(r: Report, path: string, value: unknown): void {
  const d = obj(value);
  if (!d) return;
  const host = str(d['host']);
  if (host === '*') r.error(`${path}.host`, `invalid destination host ${host}`);
  else r.check(`${path}.host`, checkWildcardDomain(host));
  const subset = str(d['subset']);
  if (subset !== '') r.check(`${path}.subset`, checkSubsetName(subset));
  const port = obj(d['port']);
  if (port) r.check(`${path}.port.number`, checkPort(num(port['number'])));
}

/** Validates weighted destinations of an HTTP, TCP or TLS route; `http` enables per-destination header checks. */
export function validateRouteDestinations(r: Report, path: string, value: unknown, http: boolean, gatewaySemantics: boolean): void {
  const list = arr(value) ?? [];
  let total = 0;
  list.forEach((item, i) => {
    const p = `${path}[${i}]`;
    const rd = obj(item);
    if (!rd) {
      r.error(p, 'weight may not be nil');
      return;
    }
    if (!has(rd, 'destination')) r.error(`${p}.destination`, 'destination is required');
    if (http) validateHeaderOperations(r, `${p}.headers`, rd['headers']);
    if (!gatewaySemantics) validateDestination(r, `${p}.destination`, rd['destination']);
    const weight = num(rd['weight']);
    if (weight < 0) r.error(`${p}.weight`, `weight ${weight} < 0`);
    total += weight;
  });
  if (list.length > 1 && total === 0) r.error(path, 'total destination weight = 0');
}
