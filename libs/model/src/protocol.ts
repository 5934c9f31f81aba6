// Port protocol selection, as upstream's protocol.Parse / kube.ConvertProtocol: appProtocol wins, then the port name
// prefix (`http-foo` → HTTP); anything unrecognised is left to protocol sniffing ("auto").

/** Istio's port protocols; 'auto' = unknown, sniffed at runtime (upstream `Unsupported`). */
export type Protocol = 'HTTP' | 'HTTP2' | 'HTTPS' | 'GRPC' | 'GRPC-Web' | 'TCP' | 'TLS' | 'Mongo' | 'MySQL' | 'Redis' | 'UDP' | 'auto';

const byName: Record<string, Protocol> = {
  http: 'HTTP',
  http2: 'HTTP2',
  https: 'HTTPS',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  tcp: 'TCP',
  tls: 'TLS',
  mongo: 'Mongo',
  mysql: 'MySQL',
  redis: 'Redis',
  udp: 'UDP',
  h2c: 'HTTP2',
};

/** Parses an Istio protocol name (ServiceEntry/Gateway `protocol:` field), case-insensitive. */
export function parseProtocol(value: string | undefined): Protocol {
  if (!value) return 'auto';
  return byName[value.toLowerCase()] ?? 'auto';
}

const appProtocols: Record<string, Protocol> = {
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
  'istio.io/grpc': 'GRPC',
};

/** Protocol of a Kubernetes Service port from appProtocol, else the name prefix, else sniffed. UDP ports are UDP. */
export function kubePortProtocol(port: { name?: string; appProtocol?: string; protocol?: string }): Protocol {
  if (port.protocol === 'UDP') return 'UDP';
  if (port.protocol === 'SCTP') return 'auto';
  if (port.appProtocol) {
    const known = appProtocols[port.appProtocol] ?? parseProtocol(port.appProtocol);
    if (known !== 'auto') return known;
  }
  const name = port.name ?? '';
  const exact = parseProtocol(name);
  if (exact !== 'auto') return exact;
  const dash = name.indexOf('-');
  // grpc-web-foo must become GRPC-Web, not GRPC.
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  return dash > 0 ? parseProtocol(name.slice(0, dash)) : 'auto';
}

/** HTTP-family protocols that get an HTTP connection manager. */
export function isHttp(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web';
}

/** Protocols that speak HTTP/2 to the upstream. */
export function isHttp2(p: Protocol): boolean {
  return p === 'HTTP2' || p === 'GRPC';
}

/** Opaque TCP protocols (including TLS and the database protocols, which Istio forwards as TCP). */
export function isTcp(p: Protocol): boolean {
  return p === 'TCP' || p === 'TLS' || p === 'HTTPS' || p === 'Mongo' || p === 'MySQL' || p === 'Redis';
}
