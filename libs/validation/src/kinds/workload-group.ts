// WorkloadGroup (upstream ValidateWorkloadGroup) and its readiness probe.
import type { ResourceContext } from '../context.ts';
import type { Report } from '../issues.ts';
import { validateLabels } from '../labels.ts';
import { checkPort } from '../ports.ts';
import type { Obj } from '../values.ts';
import { arr, has, num, obj, str, strList } from '../values.ts';
import { checkStrictHeaderName } from './http-headers.ts';

function validateProbe(r: Report, path: string, probe: Obj): void {
  for (const key of ['periodSeconds', 'initialDelaySeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold']) {
    if (num(probe[key]) < 0) r.error(`${path}.${key}`, `${key} must be non-negative`);
  }
  if ('httpGet' in probe) {
    const h = obj(probe['httpGet']);
    if (!h) return r.error(`${path}.httpGet`, 'httpGet may not be nil');
    r.check(`${path}.httpGet.port`, checkPort(num(h['port'])));
    const scheme = str(h['scheme']);
    if (scheme !== '' && scheme !== 'HTTPS' && scheme !== 'HTTP') r.error(`${path}.httpGet.scheme`, 'httpGet.scheme must be one of "HTTPS", "HTTP"');
    (arr(h['httpHeaders']) ?? []).forEach((hh, i) => {
      const header = obj(hh);
      if (!header) r.error(`${path}.httpGet.httpHeaders[${i}]`, 'invalid nil header');
      else r.check(`${path}.httpGet.httpHeaders[${i}].name`, checkStrictHeaderName(str(header['name'])));
    });
  } else if ('tcpSocket' in probe) {
    const t = obj(probe['tcpSocket']);
    if (!t) return r.error(`${path}.tcpSocket`, 'tcpSocket may not be nil');
    r.check(`${path}.tcpSocket.port`, checkPort(num(t['port'])));
  } else if ('exec' in probe) {
    const e = obj(probe['exec']);
    if (!e) return r.error(`${path}.exec`, 'exec may not be nil');
    if (strList(e['command']).length === 0) r.error(`${path}.exec.command`, 'exec.command is required');
  } else if ('grpc' in probe) {
    const g = obj(probe['grpc']);
    if (!g) return r.error(`${path}.grpc`, 'grpc may not be nil');
    r.check(`${path}.grpc.port`, checkPort(num(g['port'])));
  } else {
    r.error(path, 'unknown health check method: one of httpGet, tcpSocket, exec or grpc must be set');
  }
}

/** Validates a WorkloadGroup spec. */
export function validateWorkloadGroup(r: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  if (!has(spec, 'template')) {
    r.error('spec.template', 'template is required');
    return;
  }
  const metadata = obj(spec['metadata']);
  if (metadata) validateLabels(r, 'spec.metadata.labels', metadata['labels']);
  const probe = obj(spec['probe']);
  if (probe) validateProbe(r, 'spec.probe', probe);
}
