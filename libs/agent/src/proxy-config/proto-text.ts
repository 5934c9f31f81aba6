/**
 * A small reader for protobuf text format (the `.proxycfg` files upstream tests use and the
 * `proxyConfig` annotation in text form). It produces plain JSON values with camelCase keys, the
 * shape protojson gives, using three general rules instead of a schema: `{seconds, nanos}` becomes a
 * duration string, `{value: x}` (a wrapper) becomes x, and a list of `{key, value}` entries (a map
 * field) becomes an object.
 */
export type TextValue = string | number | boolean | TextValue[] | { [key: string]: TextValue };

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string; pos: number };

/** Splits the text into tokens; `#` starts a comment that runs to the end of the line. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      const start = i++;
      let text = '';
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) {
          const n = src[i + 1] as string;
          text += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          i += 2;
        } else {
          text += src[i++];
        }
      }
      if (i >= src.length) throw new Error(`unterminated string at offset ${start}`);
      i++;
      out.push({ kind: 'string', text, pos: start });
    } else if (/[-0-9.]/.test(c)) {
      const m = /^-?[0-9.]+([eE][-+]?[0-9]+)?/.exec(src.slice(i));
      if (!m) throw new Error(`bad number at offset ${i}`);
      out.push({ kind: 'number', text: m[0], pos: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ kind: 'ident', text: m[0], pos: i });
      i += m[0].length;
    } else if ('{}[]:,;<>'.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: i });
      i++;
    } else {
      throw new Error(`unexpected character ${JSON.stringify(c)} at offset ${i}`);
    }
  }
  return out;
}

/** snake_case → camelCase (protojson field names). */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());
}

function normalize(obj: { [key: string]: TextValue }): TextValue {
  const keys = Object.keys(obj);
  if (keys.length > 0 && keys.every((k) => k === 'seconds' || k === 'nanos')) {
    const secs = Number(obj['seconds'] ?? 0) + Number(obj['nanos'] ?? 0) / 1e9;
    return `${Number(secs.toFixed(9))}s`;
  }
  if (keys.length === 1 && keys[0] === 'value') return obj['value'] as TextValue;
  return obj;
}

function mapEntriesToObject(list: TextValue[]): TextValue {
  const isMap =
    list.length > 0 &&
    list.every((e) => typeof e === 'object' && !Array.isArray(e) && 'key' in e && Object.keys(e).length <= 2);
  if (!isMap) return list;
  const out: { [key: string]: TextValue } = {};
  for (const e of list as { [key: string]: TextValue }[]) out[String(e['key'])] = e['value'] ?? '';
  return out;
}

/** Parses protobuf text format into a JSON-shaped object with camelCase keys. */
export function parseProtoText(src: string): { [key: string]: TextValue } {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const expect = (text: string): void => {
    const t = toks[p];
    if (!t || t.text !== text) throw new Error(`expected '${text}' at offset ${t?.pos ?? src.length}`);
    p++;
  };
  const scalar = (t: Token): TextValue => {
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.text === 'true') return true;
    if (t.text === 'false') return false;
    return t.text; // enum identifier
  };
  const value = (): TextValue => {
    const t = peek();
    if (!t) throw new Error('unexpected end of input');
    if (t.text === '{' || t.text === '<') return message(t.text === '{' ? '}' : '>');
    if (t.text === '[') {
      p++;
      const list: TextValue[] = [];
      while (peek()?.text !== ']') {
        list.push(value());
        if (peek()?.text === ',') p++;
      }
      expect(']');
      return mapEntriesToObject(list);
    }
    p++;
    if (t.kind === 'string') {
      // adjacent string literals concatenate
      let s = t.text;
      while (peek()?.kind === 'string') s += (toks[p++] as Token).text;
      return s;
    }
    return scalar(t);
  };
  const message = (close: string | null): TextValue => {
    if (close) p++;
    const obj: { [key: string]: TextValue } = {};
    const repeated = new Set<string>();
    for (;;) {
      const t = peek();
      if (!t) {
        if (close) throw new Error(`missing '${close}' at end of input`);
        break;
      }
      if (close && t.text === close) {
        p++;
        break;
      }
      if (t.kind !== 'ident') throw new Error(`expected a field name at offset ${t.pos}, got '${t.text}'`);
      p++;
      const key = camelCase(t.text);
      if (peek()?.text === ':') p++;
      const v = value();
      if (key in obj) {
        // a repeated field written as several entries
        const prev = obj[key] as TextValue;
        obj[key] = repeated.has(key) ? [...(prev as TextValue[]), v] : [prev, v];
        repeated.add(key);
      } else {
        obj[key] = v;
      }
      if (peek()?.text === ',' || peek()?.text === ';') p++;
    }
    for (const k of repeated) obj[k] = mapEntriesToObject(obj[k] as TextValue[]);
    return normalize(obj);
  };
  const top = message(null);
  if (typeof top !== 'object' || Array.isArray(top)) throw new Error('top level is not a message');
  return top;
}
