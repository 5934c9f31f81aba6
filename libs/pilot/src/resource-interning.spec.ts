import { describe, expect, it } from 'vitest';
import type { GeneratedConfig } from '@mesh/translate';
import type { EnvoyJson } from '@mesh/xds';
import { ResourceInterner } from './resource-interning.ts';

// A fresh config per call, as generate() returns for every proxy.
function config(inboundPort: number, timeout = '10s'): GeneratedConfig {
  const shared: EnvoyJson = { name: 'outbound|80||a.default.svc.cluster.local', type: 'EDS', connect_timeout: timeout };
  const inbound: EnvoyJson = { name: `inbound|${inboundPort}||`, type: 'ORIGINAL_DST' };
  return {
    clusters: new Map([
      [String(shared['name']), shared],
      [String(inbound['name']), inbound],
    ]),
    listeners: new Map(),
    routes: new Map([['80', { name: '80', virtual_hosts: [] }]]),
    endpoints: new Map(),
    secrets: new Map(),
    errors: [],
  };
}

describe('ResourceInterner', () => {
  it('gives proxies one shared object per identical resource and keeps their own inbound parts', () => {
    const interner = new ResourceInterner();
    const a = interner.intern(1, config(9080));
    const b = interner.intern(1, config(8080));
    const name = 'outbound|80||a.default.svc.cluster.local';
    expect(b.clusters.get(name)).toBe(a.clusters.get(name));
    expect(b.routes.get('80')).toBe(a.routes.get('80'));
    expect(a.clusters.get('inbound|9080||')).toEqual({ name: 'inbound|9080||', type: 'ORIGINAL_DST' });
    expect(b.clusters.get('inbound|8080||')).toEqual({ name: 'inbound|8080||', type: 'ORIGINAL_DST' });
    expect([...b.clusters.keys()]).toEqual([name, 'inbound|8080||']);
    expect(interner.size).toBe(4);
  });

  it('does not share resources whose content differs', () => {
    const interner = new ResourceInterner();
    const a = interner.intern(1, config(9080));
    const b = interner.intern(1, config(9080, '5s'));
    const name = 'outbound|80||a.default.svc.cluster.local';
    expect(b.clusters.get(name)).not.toBe(a.clusters.get(name));
    expect(b.clusters.get(name)).toMatchObject({ connect_timeout: '5s' });
  });

  it('starts afresh for a new snapshot version', () => {
    const interner = new ResourceInterner();
    const a = interner.intern(1, config(9080));
    const b = interner.intern(2, config(9080));
    expect(b.routes.get('80')).not.toBe(a.routes.get('80'));
    expect(interner.size).toBe(3);
  });
});
