// HeaderValueOption lists (request/response headers to add) and the header edits applied per request.
import { ConfigError, arr, bool, enumOf, obj, str } from '../config/json-reader.ts';
import type { AppendAction, HeaderOps } from './route-types.ts';

export const noHeaderOps: HeaderOps = { add: [], remove: [] };

const appendActions = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'] as const;
const actionMap: Record<(typeof appendActions)[number], AppendAction> = {
  APPEND_IF_EXISTS_OR_ADD: 'append',
  ADD_IF_ABSENT: 'add_if_absent',
  OVERWRITE_IF_EXISTS_OR_ADD: 'overwrite',
  OVERWRITE_IF_EXISTS: 'overwrite_if_exists',
};

/** Compiles `<x>_headers_to_add` and `<x>_headers_to_remove` of one level. */
export function compileHeaderOps(add: unknown, remove: unknown, path: string, removePath: string): HeaderOps {
  const adds = arr(add, path).map((h, i) => {
    const p = `${path}[${i}]`;
    const o = obj(h, p);
    const header = obj(o['header'], `${p}.header`);
    const key = str(header['key'], `${p}.header.key`).toLowerCase();
    if (!key) throw new ConfigError(`${p}.header.key`, 'is required');
    if (key.startsWith(':') || key === 'host') throw new ConfigError(`${p}.header.key`, `"${key}" cannot be modified`);
    const value = header['raw_value'] !== undefined ? Buffer.from(str(header['raw_value'], `${p}.header.raw_value`), 'base64').toString() : str(header['value'], `${p}.header.value`);
    let action: AppendAction;
    if (o['append_action'] !== undefined) action = actionMap[enumOf(o['append_action'], `${p}.append_action`, appendActions, 'APPEND_IF_EXISTS_OR_ADD')];
    else action = bool(o['append'], `${p}.append`, true) ? 'append' : 'overwrite';
    return { key, value, action };
  });
  const removes = arr(remove, removePath).map((h, i) => str(h, `${removePath}[${i}]`).toLowerCase());
  if (adds.length === 0 && removes.length === 0) return noHeaderOps;
  return { add: adds, remove: removes };
}

/** Header map shape shared by node:http incoming headers and outgoing header objects. */
export type HeaderBag = Record<string, string | string[] | number | undefined>;

/** Applies one level of edits to a mutable header object. `vars` expands %DOWNSTREAM_REMOTE_ADDRESS%-style values. */
export function applyHeaderOps(h: HeaderBag, ops: HeaderOps, vars: HeaderVars | undefined): void {
  for (const name of ops.remove) delete h[name];
  for (const a of ops.add) {
    const value = a.value.includes('%') && vars ? expandVars(a.value, vars) : a.value;
    const cur = h[a.key];
    switch (a.action) {
      case 'append':
        if (cur === undefined) h[a.key] = value;
        else h[a.key] = Array.isArray(cur) ? [...cur, value] : [String(cur), value];
        break;
      case 'add_if_absent':
        if (cur === undefined) h[a.key] = value;
        break;
      case 'overwrite':
        h[a.key] = value;
        break;
      default:
        if (cur !== undefined) h[a.key] = value;
    }
  }
}

/** Values for the command operators Istio commonly puts in header values. */
export interface HeaderVars {
  readonly downstreamRemoteAddress: string;
  readonly downstreamRemotePort: number;
  readonly downstreamLocalAddress: string;
  readonly downstreamLocalPort: number;
  readonly hostname: string;
}

function expandVars(v: string, vars: HeaderVars): string {
  return v.replace(/%([A-Z_]+)%/g, (all, name: string) => {
    switch (name) {
      case 'DOWNSTREAM_REMOTE_ADDRESS':
        return `${vars.downstreamRemoteAddress}:${vars.downstreamRemotePort}`;
      case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT':
        return vars.downstreamRemoteAddress;
      case 'DOWNSTREAM_LOCAL_ADDRESS':
        return `${vars.downstreamLocalAddress}:${vars.downstreamLocalPort}`;
      case 'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT':
        return vars.downstreamLocalAddress;
      case 'HOSTNAME':
        return vars.hostname;
      default:
        return all;
    }
  });
}
