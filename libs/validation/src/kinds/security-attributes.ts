// Value checks of AuthorizationPolicy sources, operations and conditions (upstream pkg/config/security).
import { isCIDR, isIP } from '../ip.ts';

/** Checks IPs or CIDR blocks. */
export function checkIPs(values: string[]): string | undefined {
  for (const v of values) {
    if (v.includes('/')) {
      if (!isCIDR(v)) return `bad CIDR range (${v}): invalid CIDR address: ${v}`;
    } else if (!isIP(v)) {
      return `bad IP address (${v})`;
    }
  }
  return undefined;
}

/** Checks port strings are numbers within 0..65535. */
export function checkPorts(values: string[]): string | undefined {
  for (const v of values) {
    if (!/^\d+$/.test(v)) return `invalid port ${v}: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`;
    if (Number(v) > 65535) return `port must be in range 0..65535, found ${v}`;
  }
  return undefined;
}

/** Rejects empty strings in a list. */
export function checkEmptyValues(field: string, values: string[]): string | undefined {
  return values.includes('') ? `empty value not allowed, found in ${field}` : undefined;
}

const PCHAR = /^([A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;

/** Checks `{*}` / `{**}` path templates: `{**}` only last, no other braces, segments of RFC 3986 pchars. */
export function checkPathTemplates(field: string, paths: string[]): string | undefined {
  for (const original of paths) {
    const templated = original.includes('{*}') || original.includes('{**}');
    const trimmed = original.replace(/^\/+|\/+$/g, '');
    let sawAny = false;
    for (const glob of trimmed.split('/')) {
      if (glob === '{*}' && !sawAny) continue;
      if (glob === '{**}' && !sawAny) {
        sawAny = true;
        continue;
      }
      if (/[{}]/.test(glob)) {
        return `invalid or unsupported path ${trimmed}, found in ${field}. Contains '{' or '}' beyond a supported path template`;
      }
      if (templated && !PCHAR.test(glob)) {
        return `invalid or unsupported path ${trimmed}, found in ${field}. Contains segment ${glob} with invalid string literal`;
      }
    }
  }
  return undefined;
}

function checkMapKey(key: string): string | undefined {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']') || key.length - open <= 2) return `invalid key: ${key}`;
  return undefined;
}

const PLAIN_KEYS = new Set([
  'source.namespace', 'source.principal', 'source.serviceAccount', 'source.trustDomain', 'request.auth.principal',
  'request.auth.audiences', 'request.auth.presenter', 'connection.sni',
]);
const REMOVED_KEYS = ['destination.labels', 'destination.name', 'destination.namespace', 'destination.user'];

/** Checks a `when` condition key and its values. */
export function checkAttribute(key: string, values: string[]): string | undefined {
  if (key.startsWith('request.headers')) return checkMapKey(key);
  if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') return checkIPs(values);
  if (key === 'destination.port') return checkPorts(values);
  if (key.startsWith('request.auth.claims')) return checkMapKey(key);
  if (PLAIN_KEYS.has(key) || key.startsWith('experimental.envoy.filters.')) return undefined;
  if (REMOVED_KEYS.some((k) => key.includes(k))) return `attribute ${key} is no longer supported`;
  return `unknown attribute: ${key}`;
}

/** Checks service account entries (`sa` or `ns/sa`, no wildcards). */
export function checkServiceAccounts(field: string, values: string[]): string | undefined {
  if (values.length > 16) return `${field} must not have more than 16 entries`;
  for (const v of values) {
    if (v.length > 320) return `${field} entry ${v} is too long`;
    if (v.includes('*')) return `wildcard is not supported in ${field}, found ${v}`;
    const parts = v.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) return `${field} entry ${v} must be of form "<serviceaccount>" or "<namespace>/<serviceaccount>"`;
  }
  return undefined;
}

/** Checks trust domain entries: at most one `*`, at the start or the end, and no `/`. */
export function checkTrustDomains(field: string, values: string[]): string | undefined {
  for (const v of values) {
    const stars = v.split('*').length - 1;
    if (v.includes('/')) return `${field} entry ${v} must not contain "/"`;
    if (stars > 1 || (stars === 1 && !v.startsWith('*') && !v.endsWith('*'))) {
      return `${field} entry ${v} may only have a single "*" at the start or the end`;
    }
  }
  return undefined;
}
