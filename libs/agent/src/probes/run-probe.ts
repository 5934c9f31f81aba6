import { grpcProbe } from './grpc-probe.ts';
import { httpProbe } from './http-probe.ts';
import type { AppProbe, ProbeResult } from './probe-types.ts';
import { tcpProbe } from './tcp-probe.ts';

/** Where probes go: the pod IP (upstream) or loopback in local mode; optional source address. */
export interface ProbeTarget {
  host: string;
  localAddress?: string;
  defaultTimeoutMs?: number;
}

/** Runs one app probe of any kind; never throws. */
export async function runProbe(p: AppProbe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = p.timeoutSeconds && p.timeoutSeconds > 0 ? p.timeoutSeconds * 1000 : (target.defaultTimeoutMs ?? 1000);
  try {
    if (p.httpGet) {
      return await httpProbe({
        host: p.httpGet.host || target.host,
        port: Number(p.httpGet.port),
        path: p.httpGet.path ?? '/',
        scheme: p.httpGet.scheme ?? 'HTTP',
        headers: p.httpGet.httpHeaders ?? [],
        timeoutMs,
        ...(target.localAddress ? { localAddress: target.localAddress } : {}),
      });
    }
    if (p.tcpSocket) return await tcpProbe(p.tcpSocket.host || target.host, Number(p.tcpSocket.port), timeoutMs, target.localAddress);
    if (p.grpc) return await grpcProbe(target.host, p.grpc.port, p.grpc.service ?? '', timeoutMs);
    return { ok: false, reason: 'probe has no handler' };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
