// RBAC (envoy.config.rbac.v3.RBAC) as Istio's AuthorizationPolicy produces it: ALLOW/DENY policies of
// permissions (method, path, headers, ports, destination IPs, SNI) and principals (mTLS identity, source IPs,
// headers). Shared by the HTTP filter (403) and the network filter (connection closed).
import { ConfigError, arr, bool, enumOf, isObject, obj, optObj, reqStr, uint, type Json } from '../config/json-reader.ts';
import { compileStringMatcher, matchString, type StringMatcher } from '../config/string-matcher.ts';
import { cidrContains, ipBits, parseCidr, type Cidr } from '../listener/cidr.ts';
import { peerSans } from '../tls/san-verify.ts';
import type { PeerCertificate } from 'node:tls';

/** What a rule can look at. `header` is undefined for network (TCP) checks. */
export interface RbacSubject {
  readonly header: ((name: string) => string | undefined) | undefined;
  readonly path: string | undefined;
  readonly destinationIp: string;
  readonly destinationPort: number;
  readonly remoteIp: string;
  readonly peer: PeerCertificate | undefined;
  readonly serverName: string;
}

type Rule = (s: RbacSubject) => boolean;

export interface RbacPolicy {
  readonly action: 'ALLOW' | 'DENY' | 'LOG';
  readonly policies: readonly { readonly name: string; readonly permissions: readonly Rule[]; readonly principals: readonly Rule[] }[];
}

function cidr(v: unknown, path: string): Cidr {
  const o = obj(v, path);
  const addr = reqStr(o['address_prefix'], `${path}.address_prefix`);
  const len = uint(o['prefix_len'], `${path}.prefix_len`, addr.includes(':') ? 128 : 32);
  const c = parseCidr(addr, len);
  if (!c) throw new ConfigError(path, `invalid CIDR ${addr}/${len}`);
  return c;
}

function ipRule(c: Cidr, pick: (s: RbacSubject) => string): Rule {
  return (s) => {
    const ip = ipBits(pick(s));
    return ip !== undefined && cidrContains(c, ip);
  };
}

function headerRule(v: unknown, path: string): Rule {
  const o = obj(v, path);
  const name = reqStr(o['name'], `${path}.name`).toLowerCase();
  const invert = bool(o['invert_match'], `${path}.invert_match`);
  let m: StringMatcher | undefined;
  let present: boolean | undefined;
  if (o['string_match'] !== undefined) m = compileStringMatcher(o['string_match'], `${path}.string_match`);
  else if (o['exact_match'] !== undefined) m = compileStringMatcher({ exact: o['exact_match'] }, `${path}.exact_match`);
  else if (o['prefix_match'] !== undefined) m = compileStringMatcher({ prefix: o['prefix_match'] }, `${path}.prefix_match`);
  else if (o['suffix_match'] !== undefined) m = compileStringMatcher({ suffix: o['suffix_match'] }, `${path}.suffix_match`);
  else if (o['safe_regex_match'] !== undefined) m = compileStringMatcher({ safe_regex: o['safe_regex_match'] }, `${path}.safe_regex_match`);
  else present = bool(o['present_match'], `${path}.present_match`, true);
  return (s) => {
    const v = s.header?.(name);
    const ok = m ? v !== undefined && matchString(m, v) : (v !== undefined) === present;
    return invert ? !ok : ok;
  };
}

function pathRule(v: unknown, path: string): Rule {
  const m = compileStringMatcher(obj(v, path)['path'], `${path}.path`);
  return (s) => {
    if (s.path === undefined) return false;
    const q = s.path.indexOf('?');
    return matchString(m, q >= 0 ? s.path.slice(0, q) : s.path);
  };
}

function permission(v: unknown, path: string): Rule {
  const o = obj(v, path);
  if (o['any'] !== undefined) return () => true;
  if (o['and_rules'] !== undefined) {
    const rs = arr(obj(o['and_rules'], `${path}.and_rules`)['rules'], `${path}.and_rules.rules`).map((r, i) => permission(r, `${path}.and_rules.rules[${i}]`));
    return (s) => rs.every((r) => r(s));
  }
  if (o['or_rules'] !== undefined) {
    const rs = arr(obj(o['or_rules'], `${path}.or_rules`)['rules'], `${path}.or_rules.rules`).map((r, i) => permission(r, `${path}.or_rules.rules[${i}]`));
    return (s) => rs.some((r) => r(s));
  }
  if (o['not_rule'] !== undefined) {
    const r = permission(o['not_rule'], `${path}.not_rule`);
    return (s) => !r(s);
  }
  if (o['header'] !== undefined) return headerRule(o['header'], `${path}.header`);
  if (o['url_path'] !== undefined) return pathRule(o['url_path'], `${path}.url_path`);
  if (o['destination_ip'] !== undefined) return ipRule(cidr(o['destination_ip'], `${path}.destination_ip`), (s) => s.destinationIp);
  if (o['destination_port'] !== undefined) {
    const port = uint(o['destination_port'], `${path}.destination_port`, 0);
    return (s) => s.destinationPort === port;
  }
  if (o['destination_port_range'] !== undefined) {
    const r = obj(o['destination_port_range'], `${path}.destination_port_range`);
    const start = uint(r['start'], `${path}.destination_port_range.start`, 0);
    const end = uint(r['end'], `${path}.destination_port_range.end`, 0);
    return (s) => s.destinationPort >= start && s.destinationPort < end;
  }
  if (o['requested_server_name'] !== undefined) {
    const m = compileStringMatcher(o['requested_server_name'], `${path}.requested_server_name`);
    return (s) => matchString(m, s.serverName);
  }
  // JWT claims and other dynamic metadata are not produced by this proxy: such conditions never match.
  if (o['metadata'] !== undefined || o['uri_template'] !== undefined) return () => false;
  throw new ConfigError(path, 'unsupported permission');
}

function principal(v: unknown, path: string): Rule {
  const o = obj(v, path);
  if (o['any'] !== undefined) return () => true;
  if (o['and_ids'] !== undefined) {
    const rs = arr(obj(o['and_ids'], `${path}.and_ids`)['ids'], `${path}.and_ids.ids`).map((r, i) => principal(r, `${path}.and_ids.ids[${i}]`));
    return (s) => rs.every((r) => r(s));
  }
  if (o['or_ids'] !== undefined) {
    const rs = arr(obj(o['or_ids'], `${path}.or_ids`)['ids'], `${path}.or_ids.ids`).map((r, i) => principal(r, `${path}.or_ids.ids[${i}]`));
    return (s) => rs.some((r) => r(s));
  }
  if (o['not_id'] !== undefined) {
    const r = principal(o['not_id'], `${path}.not_id`);
    return (s) => !r(s);
  }
  if (o['authenticated'] !== undefined) {
    const a = obj(o['authenticated'], `${path}.authenticated`);
    const m = a['principal_name'] !== undefined ? compileStringMatcher(a['principal_name'], `${path}.authenticated.principal_name`) : undefined;
    return (s) => {
      if (!s.peer) return false;
      if (!m) return true;
      const sans = peerSans(s.peer);
      // Envoy matches the URI SAN first, then DNS SANs, then the subject.
      const uri = sans.filter((x) => x.type === 'URI').map((x) => x.value);
      const dns = sans.filter((x) => x.type === 'DNS').map((x) => x.value);
      const candidates = uri.length ? uri : dns.length ? dns : [Object.entries(s.peer.subject ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(',')];
      return candidates.some((c) => matchString(m, c));
    };
  }
  for (const key of ['source_ip', 'direct_remote_ip', 'remote_ip']) {
    if (o[key] !== undefined) return ipRule(cidr(o[key], `${path}.${key}`), (s) => s.remoteIp);
  }
  if (o['header'] !== undefined) return headerRule(o['header'], `${path}.header`);
  if (o['url_path'] !== undefined) return pathRule(o['url_path'], `${path}.url_path`);
  if (o['metadata'] !== undefined || o['filter_state'] !== undefined) return () => false;
  throw new ConfigError(path, 'unsupported principal');
}

/** Compiles an RBAC message (the `rules` of the HTTP or network RBAC filter). */
export function compileRbac(v: Json, path: string): RbacPolicy {
  const action = enumOf(v['action'], `${path}.action`, ['ALLOW', 'DENY', 'LOG'] as const, 'ALLOW');
  const policies = Object.entries(obj(v['policies'], `${path}.policies`)).map(([name, p]) => {
    const pp = `${path}.policies["${name}"]`;
    const po = obj(p, pp);
    if (po['condition'] !== undefined || po['checked_condition'] !== undefined) throw new ConfigError(`${pp}.condition`, 'CEL conditions are not supported');
    return {
      name,
      permissions: arr(po['permissions'], `${pp}.permissions`).map((x, i) => permission(x, `${pp}.permissions[${i}]`)),
      principals: arr(po['principals'], `${pp}.principals`).map((x, i) => principal(x, `${pp}.principals[${i}]`)),
    };
  });
  return { action, policies };
}

/** Compiles the RBAC filter config ({rules, shadow_rules...}); undefined rules allow everything. */
export function compileRbacFilter(v: Json, path: string): RbacPolicy | undefined {
  const rules = optObj(v['rules'], `${path}.rules`);
  return rules && isObject(rules) ? compileRbac(rules, `${path}.rules`) : undefined;
}

/** True when the subject may proceed. */
export function rbacAllows(p: RbacPolicy, s: RbacSubject): boolean {
  if (p.action === 'LOG') return true;
  const matched = p.policies.some((pol) => pol.permissions.some((r) => r(s)) && pol.principals.some((r) => r(s)));
  return p.action === 'ALLOW' ? matched : !matched;
}
