// Header names and values used by VirtualService header manipulation and matching.
import type { Report } from '../issues.ts';
import { obj, strList, strMap } from '../values.ts';

// RFC 7230 token characters, optionally behind a ':' (pseudo headers such as :authority).
const HEADER_NAME = /^:?[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STRICT_HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/** Checks a header name used for matching (token characters, pseudo headers allowed). */
export function checkHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (!HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** Checks a header name Istio writes itself (letters, digits, '-' and '_' only). */
export function checkStrictHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (!STRICT_HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** True for `@request.auth.claims.<claim>` / `@request.auth.claims[<claim>]` routing keys. */
export function isJwtClaimRoute(name: string): boolean {
  return /^@request\.auth\.claims(\.[^.\[\]]+|(\[[^\[\]]+\])+)/.test(name);
}

function isInternal(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

function isAuthority(name: string): boolean {
  const n = name.toLowerCase();
  return n === ':authority' || n === 'host';
}

/** Checks an Envoy header value: no control characters, `%` only in `%VAR%` pairs or escaped as `%%`. */
export function checkHeaderValue(value: string): string | undefined {
  if (/[\u0000-\u0008\u000A-\u001F\u007F]/.test(value)) return `header value configuration ${value} is invalid`;
  let i = 0;
  while (i < value.length) {
    if (value[i] !== '%') {
      i++;
      continue;
    }
    if (value[i + 1] === '%') {
      i += 2;
      continue;
    }
    const end = value.indexOf('%', i + 1);
    if (end < 0) return `header value configuration: invalid header value "${value}": unterminated variable`;
    const variable = value.slice(i + 1, end);
    if (!/^[A-Z_][A-Z0-9_]*(\(.*\))?(:\S*)?$/.test(variable)) {
      return `header value configuration: invalid header value "${value}": invalid variable "${variable}"`;
    }
    i = end + 1;
  }
  return undefined;
}

function checkSetName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isInternal(name) && !isAuthority(name)) return `invalid header "${name}": header cannot have ":" prefix`;
  return undefined;
}

function checkRemoveName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.toLowerCase() === 'host') return `invalid header "${name}": cannot set Host header`;
  if (isInternal(name)) return `invalid header "${name}": header cannot have ":" prefix`;
  return undefined;
}

/** Validates a Headers block (request/response set/add/remove). */
export function validateHeaderOperations(r: Report, path: string, value: unknown): void {
  const headers = obj(value);
  if (!headers) return;
  const request = obj(headers['request']);
  const response = obj(headers['response']);
  for (const op of ['add', 'set'] as const) {
    for (const [name, v] of strMap(request?.[op])) {
      const p = `${path}.request.${op}[${JSON.stringify(name)}]`;
      r.check(p, checkSetName(name));
      r.check(p, checkHeaderValue(v));
    }
    for (const [name, v] of strMap(response?.[op])) {
      const p = `${path}.response.${op}[${JSON.stringify(name)}]`;
      r.check(p, checkRemoveName(name));
      r.check(p, checkHeaderValue(v));
    }
  }
  strList(request?.['remove']).forEach((name, i) => r.check(`${path}.request.remove[${i}]`, checkRemoveName(name)));
  strList(response?.['remove']).forEach((name, i) => r.check(`${path}.response.remove[${i}]`, checkRemoveName(name)));
}

/** Upstream validateAuthorityRewrite: the authority may be rewritten in one place only. */
export function validateAuthorityRewrite(r: Report, path: string, rewrite: unknown, headers: unknown): void {
  let current = (obj(rewrite)?.['authority'] as string | undefined) ?? '';
  if (typeof current !== 'string') current = '';
  const request = obj(obj(headers)?.['request']);
  for (const op of ['set', 'add'] as const) {
    for (const [name, v] of strMap(request?.[op])) {
      if (!isAuthority(name)) continue;
      if (current !== '') {
        r.error(path, `authority header cannot be set multiple times: have "${current}", attempting to set "${v}"`);
        return;
      }
      current = v;
    }
  }
}
