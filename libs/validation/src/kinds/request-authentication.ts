// RequestAuthentication (upstream ValidateRequestAuthentication).
import { createPublicKey, createSecretKey, type JsonWebKey } from 'node:crypto';
import type { ResourceContext } from '../context.ts';
import { checkDuration } from '../durations.ts';
import type { Report } from '../issues.ts';
import { validatePolicySelection } from '../policy-target.ts';
import type { Obj } from '../values.ts';
import { arr, has, isObj, obj, str, strList } from '../values.ts';
import { checkStrictHeaderName } from './http-headers.ts';

/** Checks a JWKS URI: parseable http(s) URL with a numeric port. */
export function checkJwksUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `invalid jwksUri "${uri}": cannot parse URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `URI scheme "${url.protocol.slice(0, -1)}" is not supported`;
  return undefined;
}

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']);

/** The public members of a JWK (a private key without CRT parameters is still a valid JWKS entry). */
function publicPart(key: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(key).filter(([k]) => !PRIVATE_MEMBERS.has(k)));
}

/** Parses inline JWKS; returns an error, or a warning when private key material is embedded. */
function checkJwks(jwks: string): { error?: string; warning?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwks);
  } catch (err) {
    return { error: `jwks parse error: ${(err as Error).message}` };
  }
  const keys = isObj(parsed) && Array.isArray(parsed['keys']) ? parsed['keys'] : [parsed];
  let privateKey = false;
  for (const key of keys) {
    if (!isObj(key) || typeof key['kty'] !== 'string') return { error: 'jwks parse error: invalid key: missing "kty"' };
    try {
      if (key['kty'] === 'oct') createSecretKey(Buffer.from(str(key['k']), 'base64url'));
      else createPublicKey({ key: publicPart(key) as JsonWebKey, format: 'jwk' });
    } catch (err) {
      return { error: `jwks parse error: ${(err as Error).message}` };
    }
    if (key['kty'] !== 'oct' && 'd' in key) privateKey = true;
  }
  return privateKey ? { warning: 'jwks contains private key material; only public keys should be configured' } : {};
}

function validateJwtRule(r: Report, path: string, rule: Obj): void {
  const issuer = str(rule['issuer']);
  const jwksUri = str(rule['jwksUri']) || str(rule['jwks_uri']);
  if (issuer === '' && jwksUri === '') r.error(path, 'issuer or jwksUri must be set');
  strList(rule['audiences']).forEach((a, i) => {
    if (a === '') r.error(`${path}.audiences[${i}]`, 'audience must be non-empty string');
  });
  if (jwksUri !== '') r.check(`${path}.jwksUri`, checkJwksUri(jwksUri));
  const jwks = str(rule['jwks']);
  if (jwks !== '') {
    const res = checkJwks(jwks);
    if (res.error) r.error(`${path}.jwks`, res.error);
    if (res.warning) r.warn(`${path}.jwks`, res.warning);
  }
  (arr(rule['fromHeaders']) ?? []).forEach((h, i) => {
    const header = obj(h);
    if (!header) r.error(`${path}.fromHeaders[${i}]`, 'location header name must be non-null');
    else if (str(header['name']) === '') r.error(`${path}.fromHeaders[${i}].name`, 'location header name must be non-empty string');
  });
  strList(rule['fromParams']).forEach((p, i) => {
    if (p === '') r.error(`${path}.fromParams[${i}]`, 'location query must be non-empty string');
  });
  strList(rule['fromCookies']).forEach((c, i) => {
    if (c === '') r.error(`${path}.fromCookies[${i}]`, 'cookie name must be non-empty string');
  });
  (arr(rule['outputClaimToHeaders']) ?? []).forEach((item, i) => {
    const p = `${path}.outputClaimToHeaders[${i}]`;
    const ch = obj(item);
    if (!ch) return r.error(p, 'outputClaimToHeaders must not be null');
    if (str(ch['claim']) === '' || str(ch['header']) === '') {
      return r.error(p, 'outputClaimToHeaders header and claim value must be non-empty string');
    }
    r.check(`${p}.header`, checkStrictHeaderName(str(ch['header'])));
  });
  if (has(rule, 'timeout')) r.check(`${path}.timeout`, checkDuration(rule['timeout']));
}

/** Validates a RequestAuthentication spec. */
export function validateRequestAuthentication(r: Report, ctx: ResourceContext): void {
  validatePolicySelection(r, ctx.spec);
  (arr(ctx.spec['jwtRules']) ?? []).forEach((item, i) => {
    const rule = obj(item);
    if (rule) validateJwtRule(r, `spec.jwtRules[${i}]`, rule);
  });
}
