// Gateway references of VirtualService routes (`ns/name`, `mesh`, or legacy `name.ns`).
import { checkFQDN, isDNS1123Label } from '../hosts.ts';
import type { Report } from '../issues.ts';
import { strList } from '../values.ts';

/** Validates a list of gateway names; legacy FQDN names only warn. */
export function validateGatewayNames(r: Report, path: string, value: unknown, gatewaySemantics: boolean): void {
  strList(value).forEach((name, i) => {
    const p = `${path}[${i}]`;
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const parts = name.split('.');
        r.warn(p, `using legacy gatewayName format "${name}"; prefer the <namespace>/<name> format: "${parts[1] ?? ''}/${parts[0] ?? ''}"`);
      }
      r.check(p, checkFQDN(name));
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns.length === 0 || gw.length === 0) r.error(p, 'config namespace and gateway name cannot be empty');
    if (!isDNS1123Label(ns)) r.error(p, `invalid value for namespace: "${ns}"`);
    if (!isDNS1123Label(gw) && !gatewaySemantics) r.error(p, `invalid value for gateway name: "${gw}"`);
  });
}
