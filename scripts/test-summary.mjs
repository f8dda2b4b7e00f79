// Adds up the JSON reports that each package's vitest run writes to .test-results.json
// and prints one closing line, "N passed, N failed", for the whole monorepo.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
/** Every workspace's report: packages/*, examples/* and the docs workspace. */
const reports = ['packages', 'examples'].flatMap((group) => (existsSync(group) ? readdirSync(group).map((name) => join(group, name)) : []));
reports.push('docs');
for (const dir of reports) {
  const report = join(dir, '.test-results.json');
  if (!existsSync(report)) continue;
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`${dir}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
