// The emitter and quantity canonicalisation reproduce Go's output for the values injection produces.
import { describe, expect, it } from 'vitest';
import { goKeyCompare, toGoYaml } from './go-yaml.ts';
import { canonicalQuantity } from './quantity.ts';

describe('toGoYaml', () => {
  it('quotes like go-yaml and sorts keys', () => {
    const out = toGoYaml({ b: ['*', '', '15001', 'plain', '{"a":1}', true], a: { empty: {}, list: [], num: 3 }, s: 'x\n' });
    expect(out).toBe([
      'a:', '  empty: {}', '  list: []', '  num: 3',
      'b:', "- '*'", '- ""', '- "15001"', '- plain', `- '{"a":1}'`, '- true',
      's: |', '  x', '',
    ].join('\n'));
  });
  it('orders keys as go-yaml v2 does', () => {
    expect(['b', 'a10', 'a9', 'A'].sort(goKeyCompare)).toEqual(['A', 'a9', 'a10', 'b']);
  });
});

describe('canonicalQuantity', () => {
  it('prints Kubernetes canonical forms', () => {
    expect(canonicalQuantity('2000m')).toBe('2');
    expect(canonicalQuantity('1024Mi')).toBe('1Gi');
    expect(canonicalQuantity(0.5)).toBe('500m');
    expect(canonicalQuantity('100m')).toBe('100m');
    expect(canonicalQuantity('1500Mi')).toBe('1500Mi');
  });
});
