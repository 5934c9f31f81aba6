import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProbeResult } from './probe-types.ts';

/** Options for one HTTP probe. */
export interface HttpProbeOptions {
  host: string;
  port: number;
  path?: string;
  scheme?: string;
  headers?: { name: string; value: string }[];
  timeoutMs: number;
  localAddress?: string;
}

/** Kubernetes semantics: any status in [200, 400) is success; the body is drained and ignored. */
export function httpProbe(o: HttpProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32' };
    for (const h of o.headers ?? []) headers[h.name.toLowerCase()] = h.value;
    const https = (o.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
    const req = (https ? httpsRequest : httpRequest)({
      host: o.host,
      port: o.port,
      path: o.path && o.path.startsWith('/') ? o.path : `/${o.path ?? ''}`,
      method: 'GET',
      headers,
      timeout: o.timeoutMs,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
      ...(https ? { rejectUnauthorized: false } : {}),
    });
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ ok: status >= 200 && status < 400, status, reason: `HTTP ${status}` });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${o.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, reason: err.message }));
    req.end();
  });
}
