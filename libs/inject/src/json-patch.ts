// RFC 6902 JSON patches: creating one from two documents (as the webhook returns) and applying one.
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { clone, isObj } from './json-util.ts';

/** One RFC 6902 operation. */
export interface PatchOp {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: JsonValue;
}

function escape(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The operations that turn `from` into `to`. */
export function createPatch(from: JsonValue, to: JsonValue, path = ''): PatchOp[] {
  const ops: PatchOp[] = [];
  diffInto(from, to, path, ops);
  return ops;
}

// One walk over both documents, appending to a shared list: equal subtrees produce no operations, so no
// per-level deep-equality check (which serialised every subtree again at every depth) is needed.
function diffInto(from: JsonValue | undefined, to: JsonValue | undefined, path: string, ops: PatchOp[]): void {
  if (from === to) return;
  if (isObj(from) && isObj(to)) {
    for (const k of Object.keys(from)) if (!(k in to)) ops.push({ op: 'remove', path: `${path}/${escape(k)}` });
    for (const k of Object.keys(to)) {
      const v = to[k] as JsonValue;
      const p = `${path}/${escape(k)}`;
      if (!(k in from)) ops.push({ op: 'add', path: p, value: v });
      else diffInto(from[k], v, p, ops);
    }
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const common = Math.min(from.length, to.length);
    for (let i = 0; i < common; i++) diffInto(from[i], to[i], `${path}/${i}`, ops);
    for (let i = common; i < to.length; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: to[i] as JsonValue });
    // Remove from the end so earlier indexes stay valid.
    for (let i = from.length - 1; i >= common; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
    return;
  }
  // Primitives (or mismatched kinds): JSON-equal values have equal serialisations.
  if (JSON.stringify(from) === JSON.stringify(to)) return;
  ops.push({ op: 'replace', path, value: to as JsonValue });
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Applies a patch to a copy of `doc`; throws on a path that does not exist. */
export function applyPatch(doc: JsonValue, ops: PatchOp[]): JsonValue {
  let root = clone(doc);
  for (const op of ops) {
    if (op.path === '') {
      if (op.op === 'remove') throw new Error('cannot remove the document root');
      root = clone(op.value ?? null);
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
      if (op.op === 'add') parent.splice(idx, 0, clone(op.value ?? null));
      else if (op.op === 'remove') parent.splice(idx, 1);
      else parent[idx] = clone(op.value ?? null);
    } else if (isObj(parent)) {
      if (op.op === 'remove') delete (parent as JsonObject)[last];
      else (parent as JsonObject)[last] = clone(op.value ?? null);
    } else throw new Error(`patch path ${op.path} does not exist`);
  }
  return root;
}
