import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** True when goldens should be rewritten instead of compared (UPDATE_GOLDEN=1). */
export const updateGolden = process.env['UPDATE_GOLDEN'] === '1' || process.env['UPDATE_GOLDEN'] === 'true';

/**
 * Compares `actual` with the golden file at `path` (both trimmed). With UPDATE_GOLDEN=1 the file is
 * rewritten instead. Returns the expected text so callers can use their own assertion and diff.
 */
export function golden(path: string, actual: string): { expected: string; actual: string } {
  const trimmed = actual.trim();
  if (updateGolden || !existsSync(path)) {
    if (!updateGolden && process.env['CI']) {
      throw new Error(`golden file ${path} is missing; run the test with UPDATE_GOLDEN=1 to create it`);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, trimmed + '\n');
  }
  return { expected: readFileSync(path, 'utf8').trim(), actual: trimmed };
}
