// A YAML emitter that reproduces the output of Go's sigs.k8s.io/yaml (go-yaml v2): sorted map keys,
// unindented block sequences, YAML 1.1 aware quoting. kube-inject output must match upstream text.

/** A JSON-like value as produced by decoding Kubernetes YAML or JSON. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON-like object. */
export type JsonObject = { [key: string]: JsonValue };

/** Serialises a value the way sigs.k8s.io/yaml.Marshal does (trailing newline included). */
export function toGoYaml(value: JsonValue): string {
  const lines: string[] = [];
  if (isObject(value) && Object.keys(value).length > 0) emitMap(value, 0, lines);
  else if (Array.isArray(value) && value.length > 0) emitSeq(value, 0, lines);
  else lines.push(inlineScalar(value, 0));
  return lines.join('\n') + '\n';
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBlock(v: JsonValue | undefined): boolean {
  return (isObject(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0);
}

function emitMap(m: JsonObject, indent: number, lines: string[], firstPrefix?: string): void {
  const pad = ' '.repeat(indent);
  let first = true;
  for (const key of Object.keys(m).sort(goKeyCompare)) {
    const v = m[key] as JsonValue;
    const lead = first && firstPrefix !== undefined ? firstPrefix : pad;
    first = false;
    const k = scalarText(key, indent);
    if (isObject(v) && isBlock(v)) {
      lines.push(`${lead}${k}:`);
      emitMap(v, indent + 2, lines);
    } else if (Array.isArray(v) && v.length > 0) {
      lines.push(`${lead}${k}:`);
      emitSeq(v, indent, lines);
    } else if (typeof v === 'string' && v.includes('\n')) {
      lines.push(`${lead}${k}: ${literalHeader(v)}`);
      pushLiteralBody(v, indent + 2, lines);
    } else {
      lines.push(`${lead}${k}: ${inlineScalar(v, indent + 2)}`);
    }
  }
}

function emitSeq(s: JsonValue[], indent: number, lines: string[], firstPrefix?: string): void {
  const pad = ' '.repeat(indent);
  let first = true;
  for (const v of s) {
    const lead = first && firstPrefix !== undefined ? firstPrefix : pad;
    first = false;
    if (isObject(v) && isBlock(v)) {
      emitMap(v, indent + 2, lines, `${lead}- `);
    } else if (Array.isArray(v) && v.length > 0) {
      emitSeq(v, indent + 2, lines, `${lead}- `);
    } else if (typeof v === 'string' && v.includes('\n')) {
      lines.push(`${lead}- ${literalHeader(v)}`);
      pushLiteralBody(v, indent + 2, lines);
    } else {
      lines.push(`${lead}- ${inlineScalar(v, indent + 2)}`);
    }
  }
}

function literalHeader(s: string): string {
  const indicator = s.startsWith(' ') || s.startsWith('\n') ? '2' : '';
  if (!s.endsWith('\n')) return `|${indicator}-`;
  if (s.endsWith('\n\n')) return `|${indicator}+`;
  return `|${indicator}`;
}

function pushLiteralBody(s: string, indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  for (const line of body.split('\n')) lines.push(line === '' ? '' : pad + line);
}

function inlineScalar(v: JsonValue | undefined, indent: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return scalarText(v, indent);
  return Array.isArray(v) ? '[]' : '{}';
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  const s = String(n);
  return s.replace(/e\+?/, 'e+').replace('e+-', 'e-');
}

const yaml11Bools = new Set(
  ['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
    'on', 'On', 'ON', 'off', 'Off', 'OFF'],
);
const yaml11Nulls = new Set(['', '~', 'null', 'Null', 'NULL']);

/** True when a plain scalar with this text would decode as something other than a string. */
function resolvesToNonString(s: string): boolean {
  if (yaml11Bools.has(s) || yaml11Nulls.has(s)) return true;
  if (/^[-+]?(\.inf|\.Inf|\.INF)$/.test(s) || /^(\.nan|\.NaN|\.NAN)$/.test(s)) return true;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(s)) return true;
  if (/^[-+]?0b[01_]+$/.test(s) || /^[-+]?0x[0-9a-fA-F_]+$/.test(s) || /^[-+]?0[0-7_]+$/.test(s)) return true;
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$/.test(s) && /[0-9]/.test(s)) return true;
  if (/^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$/.test(s)) return true;
  if (/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(s)) return true;
  if (/^\d{4}-\d{1,2}-\d{1,2}([Tt ].*)?$/.test(s)) return true;
  if (s === '<<') return true;
  return false;
}

/** Mirrors libyaml's scalar analysis: may this string be written plain (block context)? */
function plainAllowed(s: string): boolean {
  if (s.length === 0) return false;
  if (/^\s|\s$/.test(s)) return false;
  if (s === '-' || s.startsWith('- ') || s.startsWith('---') || s.startsWith('...')) return false;
  const first = s[0] as string;
  if ('#,[]{}&*!|>\'"%@`'.includes(first)) return false;
  if ((first === '?' || first === ':') && (s.length === 1 || s[1] === ' ')) return false;
  if (s.endsWith(':')) return false;
  if (s.includes(': ') || s.includes(' #')) return false;
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\t]/.test(s)) return false;
  return true;
}

function scalarText(s: string, _indent: number): string {
  if (resolvesToNonString(s)) return doubleQuoted(s);
  if (plainAllowed(s)) return s;
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(s) && !/^\s|\s$/.test(s.replace(/ /g, 'x'))) {
    return `'${s.replace(/'/g, "''")}'`;
  }
  return doubleQuoted(s);
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

function isLetter(ch: string): boolean {
  return /\p{L}/u.test(ch);
}
function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** go-yaml v2's key order: letters after other runes, digit runs compared numerically. */
export function goKeyCompare(a: string, b: string): number {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i] as string;
    const y = br[i] as string;
    if (x === y) continue;
    const xl = isLetter(x);
    const yl = isLetter(y);
    if (xl && yl) return x < y ? -1 : 1;
    if (xl || yl) return yl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (x === '0' || y === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return ar.length - br.length;
}
