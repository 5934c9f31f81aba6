// RFC 6902 JSON patches: creating one from two documents (as the webhook returns) and applying one.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { isObj } from './json-util.ts';

/** One RFC 6902 operation. */
export interface PatchOp {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: JsonValue;
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function equal(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The operations that turn `from` into `to`. */
export function createPatch(from: JsonValue, to: JsonValue, path = ''): PatchOp[] {
  if (equal(from, to)) return [];
  if (isObj(from) && isObj(to)) {
    const ops: PatchOp[] = [];
    for (const k of Object.keys(from)) if (!(k in to)) ops.push({ op: 'remove', path: `${path}/${escape(k)}` });
    for (const [k, v] of Object.entries(to)) {
      const p = `${path}/${escape(k)}`;
      if (!(k in from)) ops.push({ op: 'add', path: p, value: v });
      else ops.push(...createPatch(from[k] as JsonValue, v, p));
    }
    return ops;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const ops: PatchOp[] = [];
    const common = Math.min(from.length, to.length);
    for (let i = 0; i < common; i++) ops.push(...createPatch(from[i] as JsonValue, to[i] as JsonValue, `${path}/${i}`));
    for (let i = common; i < to.length; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: to[i] as JsonValue });
    // Remove from the end so earlier indexes stay valid.
    for (let i = from.length - 1; i >= common; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
    return ops;
  }
  return [{ op: 'replace', path: path === '' ? '' : path, value: to }];
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Applies a patch to a copy of `doc`; throws on a path that does not exist. */
export function applyPatch(doc: JsonValue, ops: PatchOp[]): JsonValue {
  let root = structuredClone(doc);
  for (const op of ops) {
    if (op.path === '') {
      if (op.op === 'remove') throw new Error('cannot remove the document root');
      root = structuredClone(op.value ?? null);
      continue;
    }
    const tokens = op.path.split('/').slice(1).map(unescape);
    const last = tokens.pop() as string;
    let parent: JsonValue = root;
    for (const t of tokens) {
      const next: JsonValue | undefined = Array.isArray(parent) ? parent[Number(t)] : isObj(parent) ? parent[t] : undefined;
      if (next === undefined) throw new Error(`patch path ${op.path} does not exist`);
      parent = next;
    }
    if (Array.isArray(parent)) {
      const idx = last === '-' ? parent.length : Number(last);
      if (op.op === 'add') parent.splice(idx, 0, structuredClone(op.value ?? null));
      else if (op.op === 'remove') parent.splice(idx, 1);
      else parent[idx] = structuredClone(op.value ?? null);
    } else if (isObj(parent)) {
      if (op.op === 'remove') delete (parent as JsonObject)[last];
      else (parent as JsonObject)[last] = structuredClone(op.value ?? null);
    } else throw new Error(`patch path ${op.path} does not exist`);
  }
  return root;
}
