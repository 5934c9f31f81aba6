// WorkloadEntry (upstream ValidateWorkloadEntry); also validates ServiceEntry endpoints.
import type { ResourceContext } from '../context.ts';
import { checkFQDN, isDNS1123Label } from '../hosts.ts';
import { isIP } from '../ip.ts';
import type { Report } from '../issues.ts';
import { validateLabels } from '../labels.ts';
import { checkPort } from '../ports.ts';
import type { Obj } from '../values.ts';
import { len, num, obj, str } from '../values.ts';
import { checkUnixAddress } from './gateway.ts';

/** Checks a port name is a DNS-1123 label. */
export function checkPortName(name: string): string | undefined {
  return isDNS1123Label(name) ? undefined : `invalid port name: ${name}`;
}

/**
 * Validates a workload entry (standalone, or a STATIC ServiceEntry endpoint when `servicePorts` is given).
 * FQDN addresses are allowed only for standalone entries.
 */
export function validateWorkloadEntryBody(r: Report, path: string, we: Obj, servicePorts: Set<string> | undefined, allowFQDN: boolean): void {
  const addr = str(we['address']);
  const network = str(we['network']);
  if (addr === '') {
    if (network === '') {
      r.error(`${path}.address`, 'address is required');
      return;
    }
    r.warn(`${path}.address`, `address is unset with network "${network}"`);
  }
  const ports = obj(we['ports']) ?? {};
  let unix = false;
  if (addr.startsWith('unix://')) {
    unix = true;
    r.check(`${path}.address`, checkUnixAddress(addr.slice('unix://'.length)));
    if (len(ports) !== 0) r.error(`${path}.ports`, `unix endpoint ${addr} must not include ports`);
  } else if (addr !== '' && !isIP(addr)) {
    if (!allowFQDN) r.error(`${path}.address`, `endpoint address "${addr}" is not a valid IP address`);
    else if (checkFQDN(addr)) r.error(`${path}.address`, `endpoint address "${addr}" is not a valid FQDN or an IP address`);
  }
  for (const [name, port] of Object.entries(ports)) {
    const p = `${path}.ports[${JSON.stringify(name)}]`;
    if (servicePorts && !servicePorts.has(name)) r.error(p, `endpoint port ${num(port)} is not defined by the service entry`);
    r.check(p, checkPortName(name));
    r.check(p, checkPort(num(port)));
  }
  validateLabels(r, `${path}.labels`, we['labels']);
  if (unix && servicePorts && servicePorts.size !== 1) r.error(path, 'exactly 1 service port required for unix endpoints');
}

/** Validates a WorkloadEntry spec. */
export function validateWorkloadEntry(r: Report, ctx: ResourceContext): void {
  validateWorkloadEntryBody(r, 'spec', ctx.spec, undefined, true);
}
