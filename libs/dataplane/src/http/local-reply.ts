// Responses the proxy generates itself (no route, no upstream, overflow, timeout, fault abort, redirect...).
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

export type DownstreamResponse = ServerResponse | Http2ServerResponse;

/** Sends a complete local reply unless the response has already started (then the stream is reset). */
export function sendLocalReply(res: DownstreamResponse, status: number, body: string, headers: Record<string, string | string[]> = {}, serverName = 'envoy'): void {
  if (res.headersSent) {
    resetResponse(res);
    return;
  }
  const buf = body ? Buffer.from(body) : undefined;
  const h: Record<string, string | string[] | number> = { ...headers, server: serverName, date: new Date().toUTCString() };
  if (buf) {
    h['content-type'] = h['content-type'] ?? 'text/plain';
    h['content-length'] = buf.length;
  } else if (status !== 204 && status !== 304) {
    h['content-length'] = 0;
  }
  // Http2ServerResponse mirrors ServerResponse's API; the union has no common call signature in the typings.
  const r = res as ServerResponse;
  r.writeHead(status, h);
  if (buf) r.end(buf);
  else r.end();
}

/** Abruptly ends a response that can no longer be answered properly. */
export function resetResponse(res: DownstreamResponse): void {
  const r = res as Http2ServerResponse;
  if (r.stream && typeof r.stream.close === 'function') r.stream.close(2);
  else (res as ServerResponse).socket?.destroy();
}
