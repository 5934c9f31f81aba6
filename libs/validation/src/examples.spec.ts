// Upstream's validation verdicts (examples rendered from istio's own table tests) must be reproduced.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '@mesh/testing';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validate } from './index.ts';

const EXAMPLES = resolve(repoRoot, '../shared/istio/validation/examples');

interface Expectation {
  name: string;
  valid: boolean;
  warning?: boolean;
}

interface Example {
  file: string;
  kind: string;
  resource: Record<string, unknown>;
  expect: Expectation;
}

function loadExamples(): Example[] {
  const out: Example[] = [];
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(resolve(EXAMPLES, file), 'utf8'))) {
      const resource = doc.toJS() as Record<string, unknown> | null;
      if (!resource) continue;
      const expectation = resource['x-expect'] as Expectation;
      delete resource['x-expect'];
      out.push({ file, kind: String(resource['kind']), resource, expect: expectation });
    }
  }
  return out;
}

describe('upstream validation examples', () => {
  const examples = loadExamples();

  it('finds the example documents', () => {
    expect(examples.length).toBeGreaterThan(200);
  });

  it('agrees with upstream on at least 95% of the documents (valid/invalid and warning)', () => {
    const mismatches: string[] = [];
    for (const ex of examples) {
      const result = validate(ex.kind, ex.resource);
      const valid = result.errors.length === 0;
      const warned = result.warnings.length > 0;
      if (valid !== ex.expect.valid || warned !== Boolean(ex.expect.warning)) {
        mismatches.push(`${ex.file} "${ex.expect.name}": want valid=${ex.expect.valid} warning=${Boolean(ex.expect.warning)}, ` +
          `got errors=${JSON.stringify(result.errors)} warnings=${JSON.stringify(result.warnings)}`);
      }
    }
    const agreement = (examples.length - mismatches.length) / examples.length;
    console.log(`validation examples: ${examples.length - mismatches.length}/${examples.length} agree (${(agreement * 100).toFixed(1)}%)`);
    for (const m of mismatches) console.log(`  mismatch: ${m}`);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
  });

  it('reports every invalid example with a field path and a reason', () => {
    for (const ex of examples.filter((e) => !e.expect.valid)) {
      const { errors } = validate(ex.kind, ex.resource);
      for (const e of errors) {
        expect(typeof e.path).toBe('string');
        expect(e.message.length).toBeGreaterThan(0);
      }
    }
  });
});
