// TcpProxy network filter → CompiledTcpProxy.
import { ConfigError, arr, durationMs, obj, reqStr, uint, type Json } from '../config/json-reader.ts';

export interface CompiledTcpProxy {
  readonly kind: 'tcp';
  readonly statPrefix: string;
  readonly cluster: string | undefined;
  readonly weighted: readonly { readonly name: string; readonly weight: number }[];
  readonly totalWeight: number;
  readonly idleTimeoutMs: number;
}

/** Compiles the typed_config of a tcp_proxy network filter. */
export function compileTcpProxy(v: Json, path: string): CompiledTcpProxy {
  const statPrefix = reqStr(v['stat_prefix'], `${path}.stat_prefix`);
  let cluster: string | undefined;
  let weighted: { name: string; weight: number }[] = [];
  if (v['cluster'] !== undefined) cluster = reqStr(v['cluster'], `${path}.cluster`);
  else if (v['weighted_clusters'] !== undefined) {
    const wp = `${path}.weighted_clusters`;
    weighted = arr(obj(v['weighted_clusters'], wp)['clusters'], `${wp}.clusters`).map((c, i) => {
      const co = obj(c, `${wp}.clusters[${i}]`);
      return { name: reqStr(co['name'], `${wp}.clusters[${i}].name`), weight: uint(co['weight'], `${wp}.clusters[${i}].weight`, 0) };
    });
    if (weighted.length === 0) throw new ConfigError(`${wp}.clusters`, 'must have at least one cluster');
  } else {
    throw new ConfigError(path, 'cluster or weighted_clusters is required');
  }
  const totalWeight = weighted.reduce((s, c) => s + c.weight, 0);
  if (weighted.length > 0 && totalWeight === 0) throw new ConfigError(`${path}.weighted_clusters.clusters`, 'the sum of weights must be greater than 0');
  return { kind: 'tcp', statPrefix, cluster, weighted, totalWeight, idleTimeoutMs: durationMs(v['idle_timeout'], `${path}.idle_timeout`, 3_600_000) };
}
