// envoy.type.matcher.v3.StringMatcher compiled into a predicate.
import { ConfigError, bool, fullRegex, obj, str } from './json-reader.ts';

/** A compiled StringMatcher. */
export interface StringMatcher {
  readonly kind: 'exact' | 'prefix' | 'suffix' | 'contains' | 'regex';
  readonly value: string;
  readonly ignoreCase: boolean;
  readonly regex: RegExp | undefined;
}

/** Compiles a StringMatcher object ({exact|prefix|suffix|contains|safe_regex, ignore_case}). */
export function compileStringMatcher(v: unknown, path: string): StringMatcher {
  const o = obj(v, path);
  const ignoreCase = bool(o['ignore_case'], `${path}.ignore_case`);
  const fold = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  if (o['exact'] !== undefined) return { kind: 'exact', value: fold(str(o['exact'], `${path}.exact`)), ignoreCase, regex: undefined };
  if (o['prefix'] !== undefined) return { kind: 'prefix', value: fold(str(o['prefix'], `${path}.prefix`)), ignoreCase, regex: undefined };
  if (o['suffix'] !== undefined) return { kind: 'suffix', value: fold(str(o['suffix'], `${path}.suffix`)), ignoreCase, regex: undefined };
  if (o['contains'] !== undefined) return { kind: 'contains', value: fold(str(o['contains'], `${path}.contains`)), ignoreCase, regex: undefined };
  if (o['safe_regex'] !== undefined) {
    const r = obj(o['safe_regex'], `${path}.safe_regex`);
    return { kind: 'regex', value: '', ignoreCase, regex: fullRegex(r['regex'], `${path}.safe_regex.regex`, ignoreCase ? 'i' : '') };
  }
  throw new ConfigError(path, 'one of exact, prefix, suffix, contains or safe_regex is required');
}

/** True when `s` satisfies the matcher. */
export function matchString(m: StringMatcher, s: string): boolean {
  if (m.kind === 'regex') return (m.regex as RegExp).test(s);
  const v = m.ignoreCase ? s.toLowerCase() : s;
  switch (m.kind) {
    case 'exact':
      return v === m.value;
    case 'prefix':
      return v.startsWith(m.value);
    case 'suffix':
      return v.endsWith(m.value);
    default:
      return v.includes(m.value);
  }
}
