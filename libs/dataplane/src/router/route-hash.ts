// hash_policy evaluation for RING_HASH / MAGLEV clusters.
import { fnv1a } from '../lb/hash.ts';
import type { HashPolicy } from './route-types.ts';
import type { RequestView } from './route-select.ts';

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function queryParam(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(path.slice(q + 1)).get(name) ?? undefined;
}

/** The request hash, and a Set-Cookie to add when a cookie policy with a ttl generated the value. */
export function computeHash(policies: readonly HashPolicy[], req: RequestView, sourceIp: string): { hash: number | undefined; setCookie: string | undefined } {
  let hash: number | undefined;
  let setCookie: string | undefined;
  for (const p of policies) {
    let v: string | undefined;
    switch (p.kind) {
      case 'header':
        v = req.header(p.name);
        break;
      case 'source_ip':
        v = sourceIp;
        break;
      case 'query':
        v = queryParam(req.path, p.name);
        break;
      default:
        v = cookieValue(req.header('cookie'), p.name);
        if (v === undefined && p.ttlMs !== undefined) {
          v = fnv1a(`${sourceIp}${req.path}${Date.now()}${Math.random()}`).toString(16);
          const maxAge = Math.round(p.ttlMs / 1000);
          setCookie = `${p.name}="${v}"${maxAge > 0 ? `; Max-Age=${maxAge}` : ''}${p.path ? `; Path=${p.path}` : ''}; HttpOnly`;
          v = `"${v}"`.slice(1, -1);
        }
    }
    if (v === undefined) continue;
    const h = fnv1a(v);
    hash = hash === undefined ? h : (((hash << 1) | (hash >>> 31)) ^ h) >>> 0;
    if (p.terminal) break;
  }
  return { hash, setCookie };
}
