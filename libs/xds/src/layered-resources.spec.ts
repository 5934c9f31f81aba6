import { describe, expect, it } from 'vitest';
import { LayeredResources } from './layered-resources.ts';

describe('LayeredResources', () => {
  const base = new Map([
    ['a', { name: 'a', v: 1 }],
    ['b', { name: 'b', v: 1 }],
  ]);

  it('reads as the base entries then its own, the first resource of a name winning', () => {
    const m = new LayeredResources(base, [
      ['c', { name: 'c', v: 2 }],
      ['a', { name: 'a', v: 2 }],
      ['c', { name: 'c', v: 3 }],
    ]);
    expect(m.size).toBe(3);
    expect([...m.keys()]).toEqual(['a', 'b', 'c']);
    expect(m.get('a')).toEqual({ name: 'a', v: 1 });
    expect(m.get('c')).toEqual({ name: 'c', v: 2 });
    expect(m.has('b') && m.has('c') && !m.has('d')).toBe(true);
    expect([...m].map(([k, v]) => `${k}${String(v['v'])}`)).toEqual(['a1', 'b1', 'c2']);
    expect([...m.values()].length).toBe(3);
    const seen: string[] = [];
    m.forEach((_v, k) => seen.push(k));
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(new Map(m)).toEqual(new Map([...base, ['c', { name: 'c', v: 2 }]]));
  });

  it('does not copy or change the base', () => {
    const m = new LayeredResources(base, [['z', { name: 'z' }]]);
    expect(m.base).toBe(base);
    expect(base.size).toBe(2);
  });
});
