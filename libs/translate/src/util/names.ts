// Resource names, exactly as upstream builds them (model.BuildSubsetKey, BuildDNSSrvSubsetKey, listener names).

/** `outbound|<port>|<subset>|<host>` */
export function outboundClusterName(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** `inbound|<port>||` */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** `outbound_.<port>_.<subset>_.<host>` — the SNI of Istio mTLS to a cluster. */
export function istioSni(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

/** `<host>:<port>` — virtual host names and sniffed route names. */
export function domainName(host: string, port: number): string {
  return `${host}:${port}`;
}

/** `<bind>_<port>` */
export function listenerName(bind: string, port: number): string {
  return `${bind}_${port}`;
}

export const PassthroughCluster = 'PassthroughCluster';
export const BlackHoleCluster = 'BlackHoleCluster';
export const InboundPassthroughCluster = 'InboundPassthroughCluster';
export const VirtualOutbound = 'virtualOutbound';
export const VirtualInbound = 'virtualInbound';
