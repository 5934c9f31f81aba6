// RouteMatch, HeaderMatcher and QueryParameterMatcher compilation.
import { ConfigError, arr, bool, fraction, fullRegex, num, obj, optObj, reqStr, str, type Json } from '../config/json-reader.ts';
import { compileStringMatcher, type StringMatcher } from '../config/string-matcher.ts';
import type { HeaderMatcher, QueryMatcher, RouteMatch } from './route-types.ts';

function headerMatcher(v: unknown, path: string): HeaderMatcher {
  const o = obj(v, path);
  const name = reqStr(o['name'], `${path}.name`).toLowerCase();
  let string: StringMatcher | undefined;
  let present: boolean | undefined;
  let range: { start: number; end: number } | undefined;
  if (o['string_match'] !== undefined) string = compileStringMatcher(o['string_match'], `${path}.string_match`);
  else if (o['exact_match'] !== undefined) string = { kind: 'exact', value: str(o['exact_match'], `${path}.exact_match`), ignoreCase: false, regex: undefined };
  else if (o['prefix_match'] !== undefined) string = { kind: 'prefix', value: str(o['prefix_match'], `${path}.prefix_match`), ignoreCase: false, regex: undefined };
  else if (o['suffix_match'] !== undefined) string = { kind: 'suffix', value: str(o['suffix_match'], `${path}.suffix_match`), ignoreCase: false, regex: undefined };
  else if (o['contains_match'] !== undefined) string = { kind: 'contains', value: str(o['contains_match'], `${path}.contains_match`), ignoreCase: false, regex: undefined };
  else if (o['safe_regex_match'] !== undefined) {
    string = { kind: 'regex', value: '', ignoreCase: false, regex: fullRegex(obj(o['safe_regex_match'], `${path}.safe_regex_match`)['regex'], `${path}.safe_regex_match.regex`) };
  } else if (o['range_match'] !== undefined) {
    const r = obj(o['range_match'], `${path}.range_match`);
    range = { start: num(r['start'], `${path}.range_match.start`, 0), end: num(r['end'], `${path}.range_match.end`, 0) };
  } else if (o['present_match'] !== undefined) present = bool(o['present_match'], `${path}.present_match`);
  else present = true;
  return { name, invert: bool(o['invert_match'], `${path}.invert_match`), treatMissingAsEmpty: bool(o['treat_missing_header_as_empty'], `${path}.treat_missing_header_as_empty`), string, present, range };
}

function queryMatcher(v: unknown, path: string): QueryMatcher {
  const o = obj(v, path);
  const name = reqStr(o['name'], `${path}.name`);
  if (o['string_match'] !== undefined) return { name, string: compileStringMatcher(o['string_match'], `${path}.string_match`), present: false };
  return { name, string: undefined, present: bool(o['present_match'], `${path}.present_match`, true) };
}

/** Compiles a route's `match`. */
export function compileRouteMatch(v: unknown, path: string): RouteMatch {
  const o = obj(v, path);
  const caseSensitive = bool(o['case_sensitive'], `${path}.case_sensitive`, true);
  let kind: RouteMatch['kind'];
  let value = '';
  let regex: RegExp | undefined;
  if (o['prefix'] !== undefined) {
    kind = 'prefix';
    value = str(o['prefix'], `${path}.prefix`);
  } else if (o['path'] !== undefined) {
    kind = 'path';
    value = str(o['path'], `${path}.path`);
  } else if (o['safe_regex'] !== undefined) {
    kind = 'regex';
    regex = fullRegex(obj(o['safe_regex'], `${path}.safe_regex`)['regex'], `${path}.safe_regex.regex`, caseSensitive ? '' : 'i');
  } else if (o['path_separated_prefix'] !== undefined) {
    kind = 'separated';
    value = str(o['path_separated_prefix'], `${path}.path_separated_prefix`);
    if (!value.startsWith('/') || (value.length > 1 && value.endsWith('/')) || /[?#]/.test(value)) {
      throw new ConfigError(`${path}.path_separated_prefix`, 'must start with "/", not end with "/", and contain no "?" or "#"');
    }
  } else if (o['connect_matcher'] !== undefined) {
    kind = 'connect';
  } else if (o['path_match_policy'] !== undefined) {
    throw new ConfigError(`${path}.path_match_policy`, 'URI template matching is not supported');
  } else {
    throw new ConfigError(path, 'one of prefix, path, safe_regex, path_separated_prefix or connect_matcher is required');
  }
  if (!caseSensitive && kind !== 'regex') value = value.toLowerCase();
  const grpc = optObj(o['grpc'], `${path}.grpc`) !== undefined;
  const rf = optObj(o['runtime_fraction'], `${path}.runtime_fraction`);
  return {
    kind,
    value,
    regex,
    caseSensitive,
    headers: arr(o['headers'], `${path}.headers`).map((h, i) => headerMatcher(h, `${path}.headers[${i}]`)),
    query: arr(o['query_parameters'], `${path}.query_parameters`).map((q, i) => queryMatcher(q, `${path}.query_parameters[${i}]`)),
    grpc,
    fraction: rf ? fraction((rf as Json)['default_value'], `${path}.runtime_fraction.default_value`, 1) : 1,
  };
}
