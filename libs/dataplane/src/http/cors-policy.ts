// CORS policy (route/virtual host `cors` or typed_per_filter_config["envoy.filters.http.cors"]).
import { arr, bool, str, type Json } from '../config/json-reader.ts';
import { compileStringMatcher, matchString, type StringMatcher } from '../config/string-matcher.ts';

export interface CorsPolicy {
  readonly origins: readonly StringMatcher[];
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
  readonly allowCredentials: boolean;
}

/** Compiles a CorsPolicy message. */
export function compileCors(v: Json, path: string): CorsPolicy {
  return {
    origins: arr(v['allow_origin_string_match'], `${path}.allow_origin_string_match`).map((m, i) => compileStringMatcher(m, `${path}.allow_origin_string_match[${i}]`)),
    allowMethods: str(v['allow_methods'], `${path}.allow_methods`),
    allowHeaders: str(v['allow_headers'], `${path}.allow_headers`),
    exposeHeaders: str(v['expose_headers'], `${path}.expose_headers`),
    maxAge: str(v['max_age'], `${path}.max_age`),
    allowCredentials: bool(v['allow_credentials'], `${path}.allow_credentials`),
  };
}

/** True when the request origin is allowed by the policy. */
export function corsOriginAllowed(p: CorsPolicy, origin: string): boolean {
  for (const m of p.origins) if (matchString(m, origin)) return true;
  return false;
}
