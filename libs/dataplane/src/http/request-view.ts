// A RequestView over node:http and node:http2 compat requests without copying headers.
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { RequestView } from '../router/route-select.ts';

/** Route-matching view of a downstream request; pseudo-headers map to their HTTP/1.1 equivalents. */
export class DownstreamRequestView implements RequestView {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  private readonly headers: IncomingMessage['headers'];

  constructor(req: IncomingMessage | Http2ServerRequest, tls: boolean) {
    this.headers = req.headers;
    this.method = req.method ?? 'GET';
    this.path = req.url ?? '/';
    const h = req.headers;
    this.authority = (h[':authority'] as string | undefined) ?? h.host ?? '';
    this.scheme = (h[':scheme'] as string | undefined) ?? (tls ? 'https' : 'http');
  }

  header(name: string): string | undefined {
    switch (name) {
      case ':authority':
      case 'host':
        return this.authority;
      case ':path':
        return this.path;
      case ':method':
        return this.method;
      case ':scheme':
        return this.scheme;
    }
    const v = this.headers[name];
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v.join(',') : v;
  }
}
