// Output of a benchmark: one aligned table on stdout and a JSON result file under benchmarks/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Folder the JSON results are written to. */
export const resultsDir = join(import.meta.dirname, '../results');

/** Prints rows as an aligned text table with a header row. */
export function printTable(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Writes benchmarks/results/<name>.json (pretty-printed) and returns its path. */
export function writeResult(name: string, result: unknown): string {
  const path = join(resultsDir, `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}

/** "met" / "NOT met" for a goal, for tables and JSON. */
export function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}
