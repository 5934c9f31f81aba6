// Header plumbing between downstream and upstream: hop-by-hop removal and the x-forwarded-* / x-request-id set.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// Connection-specific headers never cross the proxy (and are illegal in HTTP/2).
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'host']);

/** Copies request headers for the upstream, dropping pseudo and hop-by-hop ones (te: trailers is kept for gRPC). */
export function upstreamRequestHeaders(src: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const conn = src['connection'];
  const listed = typeof conn === 'string' ? conn.toLowerCase().split(/\s*,\s*/) : [];
  for (const k in src) {
    if (k.charCodeAt(0) === 58 || hopByHop.has(k)) continue;
    if (listed.length && listed.includes(k)) continue;
    if (k === 'te') {
      if (String(src[k]).toLowerCase().includes('trailers')) out['te'] = 'trailers';
      continue;
    }
    out[k] = src[k];
  }
  return out;
}

/** Copies response headers for the downstream, dropping hop-by-hop ones. */
export function downstreamResponseHeaders(src: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const k in src) {
    if (k.charCodeAt(0) === 58 || hopByHop.has(k)) continue;
    out[k] = src[k];
  }
  return out;
}

/** Adds x-forwarded-proto, x-request-id and (with use_remote_address) x-forwarded-for as Envoy does. */
export function addForwardingHeaders(h: OutgoingHttpHeaders, tls: boolean, remoteAddress: string, useRemoteAddress: boolean): void {
  if (h['x-forwarded-proto'] === undefined) h['x-forwarded-proto'] = tls ? 'https' : 'http';
  if (h['x-request-id'] === undefined) h['x-request-id'] = randomUUID();
  if (useRemoteAddress) {
    const xff = h['x-forwarded-for'];
    h['x-forwarded-for'] = xff ? `${String(xff)}, ${remoteAddress}` : remoteAddress;
    h['x-envoy-external-address'] = remoteAddress;
  }
}
