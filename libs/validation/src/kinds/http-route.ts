// One HTTP route of a VirtualService (upstream validateHTTPRoute and its helpers).
import { checkDuration, hasSubSecond } from '../durations.ts';
import { isDNS1123Label } from '../hosts.ts';
import type { Report } from '../issues.ts';
import { validateLabels } from '../labels.ts';
import { checkPort } from '../ports.ts';
import { checkRegex } from '../regex.ts';
import type { Obj } from '../values.ts';
import { arr, has, num, obj, str, strList, wrapped } from '../values.ts';
import { checkHeaderName, isJwtClaimRoute, validateAuthorityRewrite, validateHeaderOperations } from './http-headers.ts';
import { validateHTTPFault, validateHTTPRetry } from './http-policies.ts';
import { validateDestination, validateRouteDestinations } from './route-destination.ts';
import { validateGatewayNames } from './gateway-names.ts';

type RouteType = 'independent' | 'root' | 'delegate';

function matchKind(sm: unknown): 'exact' | 'prefix' | 'regex' | undefined {
  const m = obj(sm);
  if (!m) return undefined;
  if (has(m, 'exact')) return 'exact';
  if (has(m, 'prefix')) return 'prefix';
  if (has(m, 'regex')) return 'regex';
  return undefined;
}

/** Validates a StringMatch: non-empty prefix, valid regex. */
export function validateStringMatch(r: Report, path: string, sm: unknown, where: string): void {
  const m = obj(sm);
  if (!m) return;
  const kind = matchKind(m);
  if (kind === 'prefix' && str(m['prefix']) === '') r.error(path, `"${where}": prefix string match should not be empty`);
  if (kind === 'regex') {
    const re = str(m['regex']);
    if (re === '') r.error(path, `"${where}": regex string match should not be empty`);
    else r.check(path, checkRegex(re, where));
  }
}

function validateMatches(r: Report, path: string, route: Obj): void {
  (arr(route['match']) ?? []).forEach((item, i) => {
    const mp = `${path}.match[${i}]`;
    const m = obj(item);
    if (!m) return;
    for (const [name, value] of Object.entries(obj(m['headers']) ?? {})) {
      const p = `${mp}.headers[${JSON.stringify(name)}]`;
      if (value === null) r.error(p, `header match ${name} cannot be null`);
      if (!isJwtClaimRoute(name)) r.check(p, checkHeaderName(name));
      validateStringMatch(r, p, value, 'headers');
    }
    for (const [name, value] of Object.entries(obj(m['withoutHeaders']) ?? {})) {
      const p = `${mp}.withoutHeaders[${JSON.stringify(name)}]`;
      if (!isJwtClaimRoute(name)) r.check(p, checkHeaderName(name));
      // A regex of `*` is not RE2: it means "header present".
      if (str(obj(value)?.['regex']) !== '*') validateStringMatch(r, p, value, 'withoutHeaders');
    }
    // Envoy allows an empty URI prefix, but not an empty scheme/method/authority prefix.
    const uri = obj(m['uri']);
    if (matchKind(uri) === 'regex') validateStringMatch(r, `${mp}.uri`, uri, 'uri');
    for (const field of ['scheme', 'method', 'authority'] as const) validateStringMatch(r, `${mp}.${field}`, m[field], field);
    for (const [name, value] of Object.entries(obj(m['queryParams']) ?? {})) {
      validateStringMatch(r, `${mp}.queryParams[${JSON.stringify(name)}]`, value, 'queryParams');
    }
    if (num(m['port']) !== 0) r.check(`${mp}.port`, checkPort(num(m['port'])));
    validateLabels(r, `${mp}.sourceLabels`, m['sourceLabels']);
    validateGatewayNames(r, `${mp}.gateways`, m['gateways'], false);
    const sourceNamespace = str(m['sourceNamespace']);
    if (sourceNamespace !== '' && !isDNS1123Label(sourceNamespace)) {
      r.error(`${mp}.sourceNamespace`, `sourceNamespace match ${sourceNamespace} is invalid`);
    }
  });
}

function validateConflicts(r: Report, path: string, route: Obj, type: RouteType): void {
  const name = str(route['name']);
  if (type === 'root') {
    if (has(route, 'redirect')) r.error(`${path}.redirect`, `root HTTP route ${name} must not specify redirect`);
    if ((arr(route['route']) ?? []).length > 0) r.error(`${path}.route`, `root HTTP route ${name} must not specify route`);
    return;
  }
  if (type === 'delegate' && has(route, 'delegate')) r.error(`${path}.delegate`, 'delegate HTTP route cannot contain delegate');
  const routes = arr(route['route']) ?? [];
  if (has(route, 'mirror') && (arr(route['mirrors']) ?? []).length > 0) {
    r.error(path, 'HTTP route cannot contain both mirror and mirrors');
  }
  if (has(route, 'redirect')) {
    if (routes.length > 0) r.error(path, 'HTTP route cannot contain both route and redirect');
    if (has(route, 'fault')) r.error(path, 'HTTP route cannot contain both fault and redirect');
    if (has(route, 'rewrite')) r.error(path, 'HTTP route rule cannot contain both rewrite and redirect');
    if (has(route, 'directResponse')) r.error(path, 'HTTP route rule cannot contain both direct_response and redirect');
  } else if (has(route, 'directResponse')) {
    if (routes.length > 0) r.error(path, 'HTTP route cannot contain both route and direct_response');
    if (has(route, 'fault')) r.error(path, 'HTTP route cannot contain both fault and direct_response');
    if (has(route, 'rewrite')) r.error(path, 'HTTP route rule cannot contain both rewrite and direct_response');
  } else if (routes.length === 0) {
    r.error(path, 'HTTP route, redirect or direct_response is required');
  }
}

function validateRedirect(r: Report, path: string, value: unknown, route: Obj): void {
  const redirect = obj(value);
  if (!redirect) return;
  const uri = str(redirect['uri']);
  const authority = str(redirect['authority']);
  const scheme = str(redirect['scheme']);
  const prefixRewrite = has(redirect, 'prefixRewrite');
  const hasPort = has(redirect, 'port') || has(redirect, 'derivePort');
  if (uri !== '' && prefixRewrite) r.error(path, 'redirect may only contain one of uri or prefixRewrite');
  if (uri === '' && authority === '' && !hasPort && scheme === '' && !prefixRewrite) {
    r.error(path, 'redirect must specify URI, authority, scheme, or port');
  }
  if (prefixRewrite) {
    const matches = arr(route['match']) ?? [];
    const allPrefix = matches.every((m) => matchKind(obj(m)?.['uri']) === 'prefix');
    if (matches.length === 0 || !allPrefix) r.error(`${path}.prefixRewrite`, 'prefixRewrite requires all uri matches to be prefix matches');
  }
  const code = num(redirect['redirectCode']);
  if (code !== 0 && (code < 300 || code > 399)) r.error(`${path}.redirectCode`, `${code} is not a valid redirect code, must be 3xx`);
  if (scheme !== '' && scheme !== 'http' && scheme !== 'https') r.error(`${path}.scheme`, 'invalid redirect scheme, must be "http" or "https"');
  if (num(redirect['port']) > 0) r.check(`${path}.port`, checkPort(num(redirect['port'])));
}

function validateRewrite(r: Report, path: string, value: unknown): void {
  const rewrite = obj(value);
  if (!rewrite) return;
  const uri = str(rewrite['uri']);
  const regex = obj(rewrite['uriRegexRewrite']);
  if (uri !== '' && regex) {
    r.error(path, 'rewrite may only contain one of URI or UriRegexRewrite');
    return;
  }
  if (uri === '' && !regex && str(rewrite['authority']) === '') {
    r.error(path, 'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified');
    return;
  }
  if (regex) {
    const match = str(regex['match']);
    if (match === '' || str(regex['rewrite']) === '') {
      r.error(`${path}.uriRegexRewrite`, 'UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified');
    } else {
      r.check(`${path}.uriRegexRewrite.match`, checkRegex(match, 'HTTPRewrite.UriRegexRewrite.Match'));
    }
  }
}

function validateCors(r: Report, path: string, value: unknown): void {
  const cors = obj(value);
  if (!cors) return;
  (arr(cors['allowOrigins']) ?? []).forEach((o, i) => {
    const p = `${path}.allowOrigins[${i}]`;
    const m = obj(o) ?? {};
    const kind = matchKind(m);
    const text = kind ? str(m[kind]) : '';
    if (text === '') r.error(p, `'${text}' is not a valid match type for CORS allow origins`);
    else validateStringMatch(r, p, m, 'corsPolicy.allowOrigins');
  });
  const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);
  strList(cors['allowMethods']).forEach((m, i) => {
    if (!methods.has(m)) r.error(`${path}.allowMethods[${i}]`, `"${m}" is not a supported HTTP method`);
  });
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    strList(cors[field]).forEach((h, i) => {
      if (h !== '*') r.check(`${path}.${field}[${i}]`, checkHeaderName(h));
    });
  }
  if (has(cors, 'maxAge')) {
    r.check(`${path}.maxAge`, checkDuration(cors['maxAge']));
    if (hasSubSecond(cors['maxAge'])) r.error(`${path}.maxAge`, 'max_age duration is accurate only to seconds precision');
  }
}

function validateMirrors(r: Report, path: string, route: Obj): void {
  const mirrorPercentKey = has(route, 'mirrorPercent') ? 'mirrorPercent' : 'mirror_percent';
  if (has(route, mirrorPercentKey)) {
    const v = num(wrapped(route[mirrorPercentKey]));
    if (v > 100) r.error(`${path}.${mirrorPercentKey}`, `mirror_percent must have a max value of 100 (it has ${v})`);
    r.warn(`${path}.${mirrorPercentKey}`, 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead');
  }
  for (const [key, label] of [['mirrorPercentage', 'mirror_percentage']] as const) {
    const pct = obj(route[key]);
    if (!pct) continue;
    const v = num(pct['value']);
    if (v > 100) r.error(`${path}.${key}`, `${label} must have a max value of 100 (it has ${v})`);
    if (v < 0) r.error(`${path}.${key}`, `${label} must have a min value of 0 (it has ${v})`);
  }
  validateDestination(r, `${path}.mirror`, route['mirror']);
  (arr(route['mirrors']) ?? []).forEach((item, i) => {
    const p = `${path}.mirrors[${i}]`;
    const mirror = obj(item);
    if (!mirror) {
      r.error(p, 'mirror cannot be null');
      return;
    }
    if (!has(mirror, 'destination')) {
      r.error(`${p}.destination`, 'destination is required for mirrors');
      return;
    }
    validateDestination(r, `${p}.destination`, mirror['destination']);
    const pct = obj(mirror['percentage']);
    if (pct) {
      const v = num(pct['value']);
      if (v > 100) r.error(`${p}.percentage`, `mirror percentage must have a max value of 100 (it has ${v})`);
      if (v < 0) r.error(`${p}.percentage`, `mirror percentage must have a min value of 0 (it has ${v})`);
    }
  });
}

function validateDirectResponse(r: Report, path: string, value: unknown): void {
  const dr = obj(value);
  if (!dr) return;
  const body = obj(dr['body']);
  if (body) {
    const size = has(body, 'string') ? Buffer.byteLength(str(body['string'])) : Math.floor((str(body['bytes']).length * 3) / 4);
    if (size > 1024 * 1024) r.error(`${path}.body`, 'large direct_responses may impact control plane performance, must be less than 1MB');
    else if (size > 100 * 1024) r.warn(`${path}.body`, 'large direct_responses may impact control plane performance');
  }
  const status = num(dr['status']);
  if (status < 200 || status > 600) r.error(`${path}.status`, `HTTP status ${status} is not in range 200-599`);
}

/** Validates one HTTP route; `delegateVS` is true for a VirtualService without hosts. */
export function validateHTTPRoute(r: Report, path: string, route: Obj, delegateVS: boolean, gatewaySemantics: boolean): void {
  const type: RouteType = delegateVS ? 'delegate' : has(route, 'delegate') ? 'root' : 'independent';
  validateConflicts(r, path, route, type);
  validateMatches(r, path, route);
  validateHeaderOperations(r, `${path}.headers`, route['headers']);
  validateCors(r, `${path}.corsPolicy`, route['corsPolicy']);
  validateHTTPFault(r, `${path}.fault`, route['fault']);
  validateMirrors(r, path, route);
  validateRedirect(r, `${path}.redirect`, route['redirect'], route);
  validateDirectResponse(r, `${path}.directResponse`, route['directResponse']);
  validateHTTPRetry(r, `${path}.retries`, route['retries']);
  validateRewrite(r, `${path}.rewrite`, route['rewrite']);
  validateAuthorityRewrite(r, `${path}.rewrite.authority`, route['rewrite'], route['headers']);
  validateRouteDestinations(r, `${path}.route`, route['route'], true, gatewaySemantics);
  if (has(route, 'timeout')) r.check(`${path}.timeout`, checkDuration(route['timeout']));
}
