// Warnings for VirtualService rules that can never match (upstream analyzeUnreachable*Rules): a catch-all rule
// before others, exact duplicate matches, and prefix matches covered by an earlier, broader prefix.
import type { Report } from '../issues.ts';
import type { Obj } from '../values.ts';
import { arr, num, obj, str } from '../values.ts';

interface PrefixMatch {
  route: string;
  match: string;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Map<string, string>;
  queryParams: Map<string, string>;
  withoutHeaders: Map<string, string>;
}

function exactOrPrefix(sm: unknown): string {
  const m = obj(sm);
  if (!m) return '';
  if (str(m['exact']) !== '') return `exact:${str(m['exact'])}`;
  if (str(m['prefix']) !== '') return `prefix:${str(m['prefix'])}`;
  return '';
}

function stringMatchMap(value: unknown): Map<string, string> {
  return new Map(Object.entries(obj(value) ?? {}).map(([k, v]) => [k, exactOrPrefix(v)]));
}

/** Canonical JSON (sorted keys) so that equal matches compare equal regardless of key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Obj).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function routeName(route: Obj | undefined, n: number): string {
  const name = str(route?.['name']);
  return name !== '' ? JSON.stringify(name) : `#${n}`;
}

function matchName(match: Obj | undefined, n: number): string {
  const name = str(match?.['name']);
  return name !== '' ? JSON.stringify(name) : `#${n}`;
}

function mapCovers(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const bv = b.get(k);
    if (bv === undefined) return false;
    if (v !== bv && !v.startsWith(bv)) return false;
  }
  return true;
}

function covered(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix)) return false;
  if (a.port !== b.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  return mapCovers(a.headers, b.headers) && mapCovers(a.queryParams, b.queryParams) && mapCovers(a.withoutHeaders, b.withoutHeaders);
}

function toPrefixMatch(route: Obj, rn: number, match: Obj, mn: number): PrefixMatch | undefined {
  const prefix = str(obj(match['uri'])?.['prefix']);
  if (prefix === '') return undefined;
  return {
    route: routeName(route, rn),
    match: matchName(match, mn),
    prefix,
    port: num(match['port']),
    method: exactOrPrefix(match['method']) || 'exact:GET',
    authority: exactOrPrefix(match['authority']),
    headers: stringMatchMap(match['headers']),
    queryParams: stringMatchMap(match['queryParams']),
    withoutHeaders: stringMatchMap(match['withoutHeaders']),
  };
}

function analyzeRoutes(r: Report, kind: 'http' | 'tcp' | 'tls', routes: unknown[]): void {
  const seen = new Map<string, number>();
  let emptyMatch = -1;
  const prefixes: PrefixMatch[] = [];
  routes.forEach((item, rn) => {
    const route = obj(item);
    if (!route) return;
    const name = kind === 'http' ? routeName(route, rn) : `#${rn}`;
    const path = `spec.${kind}[${rn}]`;
    const matches = arr(route['match']) ?? [];
    if (matches.length === 0) {
      if (emptyMatch >= 0) r.warn(path, `virtualService rule ${name} not used (only the last rule can have no matches)`);
      emptyMatch = rn;
      return;
    }
    let duplicates = 0;
    matches.forEach((mi, mn) => {
      const m = obj(mi);
      const { name: _ignored, ...rest } = m ?? {};
      const key = canonical(kind === 'http' ? rest : m ?? null);
      const dup = seen.get(key);
      if (dup !== undefined) {
        const dupName = kind === 'http' ? routeName(obj(routes[dup]), dup) : `#${dup}`;
        const mname = kind === 'http' ? matchName(m, mn) : `#${mn}`;
        r.warn(`${path}.match[${mn}]`, `virtualService rule ${name} match ${mname} is not used (duplicate/overlapping match in rule ${dupName})`);
        duplicates++;
        return;
      }
      seen.set(key, rn);
      if (kind === 'http' && m) {
        const pm = toPrefixMatch(route, rn, m, mn);
        if (pm) prefixes.push(pm);
      }
    });
    if (duplicates === matches.length) r.warn(path, `virtualService rule ${name} not used (all matches used by prior rules)`);
  });
  for (let i = 0; i < prefixes.length; i++) {
    for (let j = i + 1; j < prefixes.length; j++) {
      const a = prefixes[i];
      const b = prefixes[j];
      if (!a || !b || a.prefix === b.prefix) continue;
      if (covered(a, b)) {
        r.warn('spec.http', `virtualService rule ${b.route} match ${b.match} of prefix ${b.prefix} is not used (duplicate/overlapping match in rule ${a.match} of prefix ${a.prefix} on ${a.route})`);
      }
    }
  }
}

/** Adds the unreachable-rule and ineffective-match warnings of a VirtualService. */
export function analyzeUnreachableRules(r: Report, spec: Obj): void {
  analyzeRoutes(r, 'http', arr(spec['http']) ?? []);
  analyzeRoutes(r, 'tcp', arr(spec['tcp']) ?? []);
  analyzeRoutes(r, 'tls', arr(spec['tls']) ?? []);
}
