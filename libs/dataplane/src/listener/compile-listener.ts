// Listener resource → CompiledListener.
import { ConfigError, anyType, arr, bool, durationMs, enumOf, obj, optObj, reqStr, str, uint, type Json } from '../config/json-reader.ts';
import { ExtensionType, filterNameToType, passThroughFilterTypes } from '../config/type-urls.ts';
import { parseAddress } from '../cluster/load-assignment.ts';
import { compileHcm } from '../http/compile-hcm.ts';
import { compileRbacFilter, type RbacPolicy } from '../http/rbac-policy.ts';
import { compileTcpProxy } from '../tcp/compile-tcp-proxy.ts';
import { compileDownstreamTls, isPlainTransport, type SecretLookup } from '../tls/compile-tls.ts';
import { parseCidr, type Cidr } from './cidr.ts';
import type { ChainMatch, CompiledFilterChain, CompiledListener } from './listener-types.ts';

function cidrs(v: unknown, path: string): Cidr[] {
  return arr(v, path).map((c, i) => {
    const p = `${path}[${i}]`;
    const o = obj(c, p);
    const addr = reqStr(o['address_prefix'], `${p}.address_prefix`);
    const len = uint(o['prefix_len'], `${p}.prefix_len`, addr.includes(':') ? 128 : 32);
    const parsed = parseCidr(addr, len);
    if (!parsed) throw new ConfigError(p, `invalid CIDR ${addr}/${len}`);
    return parsed;
  });
}

function chainMatch(v: unknown, path: string): ChainMatch {
  const o = obj(v, path);
  const port = o['destination_port'] !== undefined ? uint(o['destination_port'], `${path}.destination_port`, 0) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new ConfigError(`${path}.destination_port`, 'must be in [1, 65535]');
  return {
    destinationPort: port,
    prefixRanges: cidrs(o['prefix_ranges'], `${path}.prefix_ranges`),
    directSourcePrefixRanges: cidrs(o['direct_source_prefix_ranges'], `${path}.direct_source_prefix_ranges`),
    sourceType: enumOf(o['source_type'], `${path}.source_type`, ['ANY', 'SAME_IP_OR_LOOPBACK', 'EXTERNAL'] as const, 'ANY'),
    sourcePrefixRanges: cidrs(o['source_prefix_ranges'], `${path}.source_prefix_ranges`),
    sourcePorts: arr(o['source_ports'], `${path}.source_ports`).map((p, i) => uint(p, `${path}.source_ports[${i}]`, 0)),
    serverNames: arr(o['server_names'], `${path}.server_names`).map((s, i) => str(s, `${path}.server_names[${i}]`).toLowerCase()),
    transportProtocol: str(o['transport_protocol'], `${path}.transport_protocol`),
    applicationProtocols: arr(o['application_protocols'], `${path}.application_protocols`).map((s, i) => str(s, `${path}.application_protocols[${i}]`)),
  };
}

function filterChain(v: unknown, path: string, secrets: SecretLookup, rds: Set<string>, clusters: Set<string>): CompiledFilterChain {
  const o = obj(v, path);
  const match = chainMatch(o['filter_chain_match'], `${path}.filter_chain_match`);
  let tls: CompiledFilterChain['tls'];
  if (!isPlainTransport(o['transport_socket'])) {
    const ts = obj(o['transport_socket'], `${path}.transport_socket`);
    const tc = obj(ts['typed_config'], `${path}.transport_socket.typed_config`);
    const t = anyType(tc);
    if (t === ExtensionType.DownstreamTlsContext) tls = compileDownstreamTls(tc, `${path}.transport_socket.typed_config`, secrets);
    else if (t !== ExtensionType.RawBuffer) throw new ConfigError(`${path}.transport_socket.typed_config`, `unsupported transport socket "${t}"`);
  }
  let network: CompiledFilterChain['network'] | undefined;
  const rbac: RbacPolicy[] = [];
  arr(o['filters'], `${path}.filters`).forEach((f, i) => {
    const fp = `${path}.filters[${i}]`;
    const fo = obj(f, fp);
    const name = str(fo['name'], `${fp}.name`);
    const tc = obj(fo['typed_config'], `${fp}.typed_config`);
    const type = anyType(tc) || filterNameToType[name] || '';
    if (type === ExtensionType.HttpConnectionManager || type === ExtensionType.TcpProxy) {
      if (network) throw new ConfigError(fp, 'only one terminal filter (http_connection_manager or tcp_proxy) is allowed, and it must be last');
      network = type === ExtensionType.TcpProxy ? compileTcpProxy(tc, `${fp}.typed_config`) : compileHcm(tc, `${fp}.typed_config`);
      if (network.kind === 'http' && network.rdsName) rds.add(network.rdsName);
      if (network.kind === 'http' && network.routeConfig) for (const c of network.routeConfig.clusterRefs) clusters.add(c);
      if (network.kind === 'tcp') {
        if (network.cluster) clusters.add(network.cluster);
        for (const w of network.weighted) clusters.add(w.name);
      }
    } else if (network) {
      throw new ConfigError(fp, 'the terminal filter must be last');
    } else if (type === ExtensionType.NetworkRbac) {
      const r = compileRbacFilter(tc, `${fp}.typed_config`);
      if (r) rbac.push(r);
    } else if (!passThroughFilterTypes.has(type)) {
      throw new ConfigError(`${fp}.typed_config`, `unsupported network filter "${name}"${type ? ` (${type})` : ''}`);
    }
  });
  if (!network) throw new ConfigError(`${path}.filters`, 'a terminal filter (http_connection_manager or tcp_proxy) is required');
  return { name: str(o['name'], `${path}.name`), match, tls, rbac, network };
}

/** Compiles one Listener. */
export function compileListener(l: Json, secrets: SecretLookup): CompiledListener {
  const name = reqStr(l['name'], 'name');
  const addr = parseAddress(l['address'], 'address');
  if (l['internal_listener'] !== undefined) throw new ConfigError('internal_listener', 'internal listeners are not supported');
  let originalDstFilter = false;
  let tlsInspector = false;
  let httpInspector = false;
  arr(l['listener_filters'], 'listener_filters').forEach((f, i) => {
    const fp = `listener_filters[${i}]`;
    const fo = obj(f, fp);
    const fname = str(fo['name'], `${fp}.name`);
    const type = anyType(obj(fo['typed_config'], `${fp}.typed_config`)) || filterNameToType[fname] || '';
    if (type === ExtensionType.OriginalDst) originalDstFilter = true;
    else if (type === ExtensionType.TlsInspector) tlsInspector = true;
    else if (type === ExtensionType.HttpInspector) httpInspector = true;
    else if (!passThroughFilterTypes.has(type)) throw new ConfigError(`${fp}.typed_config`, `unsupported listener filter "${fname}"${type ? ` (${type})` : ''}`);
  });
  const rds = new Set<string>();
  const clusters = new Set<string>();
  const chains = arr(l['filter_chains'], 'filter_chains').map((c, i) => filterChain(c, `filter_chains[${i}]`, secrets, rds, clusters));
  const def = optObj(l['default_filter_chain'], 'default_filter_chain');
  const defaultChain = def ? filterChain(def, 'default_filter_chain', secrets, rds, clusters) : undefined;
  if (chains.length === 0 && !defaultChain) throw new ConfigError('filter_chains', 'at least one filter chain (or default_filter_chain) is required');
  const seen = new Map<string, number>();
  chains.forEach((c, i) => {
    const key = JSON.stringify(c.match, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const prev = seen.get(key);
    if (prev !== undefined) throw new ConfigError(`filter_chains[${i}].filter_chain_match`, `duplicates the match of filter_chains[${prev}]`);
    seen.set(key, i);
  });
  const bindToPort = bool(l['bind_to_port'], 'bind_to_port', true) && bool(obj(l['deprecated_v1'], 'deprecated_v1')['bind_to_port'], 'deprecated_v1.bind_to_port', true);
  return {
    name,
    address: addr.address,
    port: addr.port,
    pipe: addr.pipe,
    bindToPort,
    useOriginalDst: bool(l['use_original_dst'], 'use_original_dst'),
    originalDstFilter,
    tlsInspector,
    httpInspector,
    listenerFiltersTimeoutMs: durationMs(l['listener_filters_timeout'], 'listener_filters_timeout', 15_000),
    chains,
    defaultChain,
    rdsNames: rds,
    clusterRefs: clusters,
    raw: l,
  };
}
