// Minimal TLS ClientHello reader for the tls_inspector: SNI and ALPN from the first handshake record.

export interface ClientHelloFacts {
  readonly serverName: string;
  readonly alpn: string[];
}

/** 'tls' with facts, 'need-more' when the record is incomplete, or 'not-tls'. */
export function parseClientHello(buf: Buffer): ClientHelloFacts | 'need-more' | 'not-tls' {
  if (buf.length < 1) return 'need-more';
  if (buf[0] !== 0x16) return 'not-tls';
  if (buf.length < 5) return 'need-more';
  if (buf[1] !== 0x03) return 'not-tls';
  const recLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recLen) return 'need-more';
  const hs = buf.subarray(5, 5 + recLen);
  if (hs[0] !== 0x01 || hs.length < 4) return 'not-tls';
  let p = 4 + 2 + 32; // handshake header, version, random
  if (p >= hs.length) return { serverName: '', alpn: [] };
  p += 1 + (hs[p] ?? 0); // session id
  if (p + 2 > hs.length) return { serverName: '', alpn: [] };
  p += 2 + hs.readUInt16BE(p); // cipher suites
  if (p >= hs.length) return { serverName: '', alpn: [] };
  p += 1 + (hs[p] ?? 0); // compression methods
  if (p + 2 > hs.length) return { serverName: '', alpn: [] };
  const extEnd = Math.min(hs.length, p + 2 + hs.readUInt16BE(p));
  p += 2;
  let serverName = '';
  const alpn: string[] = [];
  while (p + 4 <= extEnd) {
    const type = hs.readUInt16BE(p);
    const len = hs.readUInt16BE(p + 2);
    const body = hs.subarray(p + 4, p + 4 + len);
    if (type === 0 && body.length >= 5) {
      // server_name list: first host_name entry
      const nameLen = body.readUInt16BE(3);
      serverName = body.subarray(5, 5 + nameLen).toString('latin1').toLowerCase();
    } else if (type === 16 && body.length >= 2) {
      let q = 2;
      while (q < body.length) {
        const l = body[q] ?? 0;
        alpn.push(body.subarray(q + 1, q + 1 + l).toString('latin1'));
        q += 1 + l;
      }
    }
    p += 4 + len;
  }
  return { serverName, alpn };
}

const h2Preface = 'PRI * HTTP/2.0\r\n';

/** The http_inspector's verdict on plaintext bytes: 'h2c', 'http/1.1', 'need-more' or undefined (not HTTP). */
export function sniffHttp(buf: Buffer): 'h2c' | 'http/1.1' | 'need-more' | undefined {
  const s = buf.subarray(0, Math.min(buf.length, 24)).toString('latin1');
  if (h2Preface.startsWith(s.slice(0, h2Preface.length))) return s.length >= h2Preface.length ? 'h2c' : 'need-more';
  const sp = s.indexOf(' ');
  if (sp < 0) return buf.length < 16 && /^[A-Z]*$/.test(s) ? 'need-more' : undefined;
  const method = s.slice(0, sp);
  return /^(GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK)$/.test(method) ? 'http/1.1' : undefined;
}
