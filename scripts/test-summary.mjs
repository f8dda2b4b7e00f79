// Adds up the JSON reports that each package's vitest run writes to .test-results.json
// and prints one closing line, "N passed, N failed", for the whole monorepo.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Workspace folders, from the root package.json (`dir/*` globs and plain folders). */
function workspaces() {
  const patterns = JSON.parse(readFileSync('package.json', 'utf8')).workspaces ?? [];
  return patterns.flatMap((p) => {
    if (!p.endsWith('/*')) return [p];
    const base = p.slice(0, -2);
    return existsSync(base) ? readdirSync(base).map((name) => join(base, name)) : [];
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of workspaces()) {
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
