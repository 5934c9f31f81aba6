// Reads vitest's JSON report and prints the closing line CI looks for: "N passed, N failed".
// Failed set-up steps (build, lint, installs) count as failures too.
import { readFileSync } from 'node:fs';

const [file, stepsFailed = '0'] = process.argv.slice(2);
let passed = 0;
let failed = Number(stepsFailed);
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load has no tests in it but is still a failure.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
} catch (err) {
  console.error(`could not read ${file}: ${err.message}`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
