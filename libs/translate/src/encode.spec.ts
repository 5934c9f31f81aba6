// Every resource generated for every golden case must encode with the xDS codec (exact Envoy v3 field names, known
// type URLs, valid enum names and durations) — what a real Envoy or gRPC client would receive.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSnapshot, parseProxy } from '@mesh/model';
import { checkJson, TypeUrl } from '@mesh/xds';
import { describe, expect, it } from 'vitest';
import { generate } from './generate.ts';
import { loadGoldenCase } from './golden-case.ts';

const dir = join(import.meta.dirname, '..', 'testdata');
const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort();

const typeOf = {
  clusters: TypeUrl.Cluster,
  listeners: TypeUrl.Listener,
  routes: TypeUrl.RouteConfiguration,
  endpoints: TypeUrl.ClusterLoadAssignment,
  secrets: TypeUrl.Secret,
} as const;

describe('generated resources encode as Envoy protos', () => {
  for (const file of cases) {
    it(file, () => {
      const c = loadGoldenCase(join(dir, file));
      const cfg = generate(buildSnapshot(c.objects, c.header.mesh), parseProxy(c.header.proxy, c.header.metadata ?? {}, c.header.locality));
      const problems: string[] = [];
      for (const kind of Object.keys(typeOf) as Array<keyof typeof typeOf>) {
        for (const [name, resource] of cfg[kind]) {
          const err = checkJson(typeOf[kind], resource);
          if (err) problems.push(`${kind} ${name}: ${err}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
