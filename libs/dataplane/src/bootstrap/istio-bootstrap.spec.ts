// The bootstraps pilot-agent writes (upstream's generator goldens) compile in the data plane: every static
// listener and cluster, including the compressor filters of the 15090 Prometheus listener.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBootstrap, validate } from '../index.ts';

const dir = join(import.meta.dirname, '../../../../../shared/istio/xds/bootstrap');
const goldens = readdirSync(dir).filter((f) => f.endsWith('_golden.json'));

describe('upstream Istio bootstraps', () => {
  it('finds the goldens', () => expect(goldens.length).toBeGreaterThan(10));
  it.each(goldens)('%s compiles and its static resources validate', (file) => {
    const bootstrap = compileBootstrap(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>);
    const result = validate(bootstrap.staticSnapshot);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(bootstrap.staticSnapshot.listeners.size).toBeGreaterThanOrEqual(2);
  });
});
