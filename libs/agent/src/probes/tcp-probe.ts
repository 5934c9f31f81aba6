import { connect } from 'node:net';
import type { ProbeResult } from './probe-types.ts';

/** Succeeds when a TCP connection is established within the timeout; the connection is closed at once. */
export function tcpProbe(host: string, port: number, timeoutMs: number, localAddress?: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, reason: `timeout after ${timeoutMs} ms` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, reason: 'connected' });
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: err.message });
    });
  });
}
