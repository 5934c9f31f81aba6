// prefix_rewrite / regex_rewrite of a forwarding route, applied to the path and keeping the query string.
import { pathOnly } from './route-select.ts';
import type { CompiledRoute, ForwardAction } from './route-types.ts';

/** The rewritten path, or undefined when the route does not rewrite. */
export function rewritePath(route: CompiledRoute, a: ForwardAction, path: string): string | undefined {
  if (a.prefixRewrite === undefined && !a.regexRewrite) return undefined;
  const p = pathOnly(path);
  const query = path.slice(p.length);
  if (a.regexRewrite) return p.replace(a.regexRewrite.regex, a.regexRewrite.substitution) + query;
  const m = route.match;
  if (m.kind === 'prefix' || m.kind === 'separated') return (a.prefixRewrite as string) + p.slice(m.value.length) + query;
  if (m.kind === 'path') return (a.prefixRewrite as string) + query;
  return (a.prefixRewrite as string) + p + query;
}
