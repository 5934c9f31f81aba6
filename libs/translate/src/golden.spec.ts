// Golden tests: every testdata/<case>.in.yaml is translated for the proxy its header names and compared with
// <case>.out.yaml (UPDATE_GOLDEN=1 rewrites). The header's simulated requests assert routing decisions.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { golden } from '@mesh/testing';
import { buildSnapshot, parseProxy } from '@mesh/model';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generate } from './generate.ts';
import { loadGoldenCase } from './golden-case.ts';
import { simulate } from './simulate.ts';

const dir = join(import.meta.dirname, '..', 'testdata');
const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort();

function sorted(m: ReadonlyMap<string, unknown>): unknown[] {
  return [...m.keys()].sort().map((k) => m.get(k));
}

describe('translate goldens', () => {
  it('has at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  for (const file of cases) {
    const name = file.slice(0, -'.in.yaml'.length);
    it(name, () => {
      const c = loadGoldenCase(join(dir, file));
      const snapshot = buildSnapshot(c.objects, c.header.mesh);
      const proxy = parseProxy(c.header.proxy, c.header.metadata ?? {}, c.header.locality);
      const cfg = generate(snapshot, proxy);
      const only = c.header.only ?? ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'];
      const out: Record<string, unknown> = {};
      for (const kind of only) if (cfg[kind].size > 0) out[kind] = sorted(cfg[kind]);
      const { expected, actual } = golden(join(dir, `${name}.out.yaml`), stringify(out, { lineWidth: 0, aliasDuplicateObjects: false }));
      expect(actual).toEqual(expected);
      for (const s of c.header.simulate ?? []) {
        expect({ request: s.request, result: simulate(cfg, s.request) }).toMatchObject({ request: s.request, result: s.expect });
      }
    });
  }
});
