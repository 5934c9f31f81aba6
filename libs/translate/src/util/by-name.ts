// Resource lists → maps by name, keeping the first resource of each name (the order generators add them in).
import type { EnvoyJson } from '@mesh/xds';

/** Maps resources by their `key` field (default `name`); a later duplicate name is dropped. */
export function byName(list: readonly EnvoyJson[], key = 'name'): Map<string, EnvoyJson> {
  const m = new Map<string, EnvoyJson>();
  for (const r of list) {
    const name = r[key];
    if (typeof name === 'string' && !m.has(name)) m.set(name, r);
  }
  return m;
}
