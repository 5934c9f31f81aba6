// Ports and protocol names.

/** Checks a port number is within 1..65535. */
export function checkPort(port: number): string | undefined {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return undefined;
  return `port number ${port} must be in the range 1..65535`;
}

const PROTOCOLS = new Set([
  'tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql',
]);

/** The canonical (lower-case) protocol, or 'unsupported'. */
export function parseProtocol(value: string): string {
  const p = value.toLowerCase();
  return PROTOCOLS.has(p) ? p : 'unsupported';
}

/** Protocols routed as HTTP. */
export function isHTTPProtocol(value: string): boolean {
  return ['http', 'http2', 'http_proxy', 'grpc', 'grpc-web'].includes(parseProtocol(value));
}

/** Protocols carried over TLS. */
export function isTLSProtocol(value: string): boolean {
  return ['https', 'tls'].includes(parseProtocol(value));
}

/** Protocols carried over TCP. */
export function isTCPProtocol(value: string): boolean {
  const p = parseProtocol(value);
  return p !== 'udp' && p !== 'unsupported';
}

/** Checks a protocol name; empty means "sniff" and is allowed. */
export function checkProtocol(value: string): string | undefined {
  if (value !== '' && parseProtocol(value) === 'unsupported') return `unsupported protocol: ${value}`;
  return undefined;
}
