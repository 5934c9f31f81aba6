// compile(snapshot): the whole xDS/bootstrap resource set → plain lookup structures, or every error found.
import type { XdsSnapshot } from '@mesh/xds';
import { compileCluster } from '../cluster/compile-cluster.ts';
import type { CompiledCluster } from '../cluster/cluster-types.ts';
import { ConfigError, isObject, type Json } from '../config/json-reader.ts';
import { compileListener } from '../listener/compile-listener.ts';
import type { CompiledListener } from '../listener/listener-types.ts';
import { compileRouteConfig } from '../router/compile-route-config.ts';
import type { CompiledRouteConfig } from '../router/route-types.ts';

/** Everything the hot path reads, built once per accepted config version. */
export interface CompiledConfig {
  readonly listeners: ReadonlyMap<string, CompiledListener>;
  readonly routes: ReadonlyMap<string, CompiledRouteConfig>;
  readonly clusters: ReadonlyMap<string, CompiledCluster>;
  readonly snapshot: XdsSnapshot;
  /** Dangling references (a route naming an unknown cluster...): served as Envoy does (404/503), reported here. */
  readonly warnings: readonly string[];
}

export type CompileResult = { ok: true; config: CompiledConfig } | { ok: false; errors: string[] };

function describe(kind: string, name: string, e: unknown): string {
  if (e instanceof ConfigError) return `${kind} "${name}": ${e.path}: ${e.reason}`;
  return `${kind} "${name}": ${(e as Error).message ?? String(e)}`;
}

/** Compiles a snapshot; pure except for reading certificate files named in TLS configs. */
export function compile(snapshot: XdsSnapshot): CompileResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const secrets = (name: string): Json | undefined => snapshot.secrets.get(name);
  const clusters = new Map<string, CompiledCluster>();
  for (const [name, c] of snapshot.clusters) {
    try {
      if (!isObject(c)) throw new ConfigError('', 'must be an object');
      const cc = compileCluster(c, snapshot.endpoints, secrets);
      if (cc.name !== name) throw new ConfigError('name', `"${cc.name}" does not match the resource name "${name}"`);
      clusters.set(name, cc);
    } catch (e) {
      errors.push(describe('Cluster', name, e));
    }
  }
  const routes = new Map<string, CompiledRouteConfig>();
  for (const [name, r] of snapshot.routes) {
    try {
      if (!isObject(r)) throw new ConfigError('', 'must be an object');
      routes.set(name, compileRouteConfig(r));
    } catch (e) {
      errors.push(describe('RouteConfiguration', name, e));
    }
  }
  const listeners = new Map<string, CompiledListener>();
  const bound = new Map<string, string>();
  for (const [name, l] of snapshot.listeners) {
    try {
      if (!isObject(l)) throw new ConfigError('', 'must be an object');
      const cl = compileListener(l, secrets);
      const key = cl.pipe ?? `${cl.address}:${cl.port}`;
      const other = cl.port === 0 && !cl.pipe ? undefined : bound.get(key);
      if (other !== undefined) throw new ConfigError('address', `${key} is already used by listener "${other}"`);
      bound.set(key, name);
      listeners.set(name, cl);
    } catch (e) {
      errors.push(describe('Listener', name, e));
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  for (const l of listeners.values()) {
    for (const r of l.rdsNames) if (!routes.has(r)) warnings.push(`Listener "${l.name}": route configuration "${r}" is not known yet`);
    for (const c of l.clusterRefs) if (!clusters.has(c)) warnings.push(`Listener "${l.name}": cluster "${c}" is not known`);
  }
  for (const r of routes.values()) for (const c of r.clusterRefs) if (!clusters.has(c)) warnings.push(`RouteConfiguration "${r.name}": cluster "${c}" is not known`);
  return { ok: true, config: { listeners, routes, clusters, snapshot, warnings } };
}

/** Checks a snapshot without applying it (the xds-client's NACK path). */
export function validate(snapshot: XdsSnapshot): { ok: true } | { ok: false; errors: string[] } {
  const r = compile(snapshot);
  return r.ok ? { ok: true } : { ok: false, errors: r.errors };
}
