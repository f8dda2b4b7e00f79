// The published tarball must install and work in an empty project outside the monorepo: the
// README example runs as written against the packed @deepigeos packages.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packInstallRun } from '../../../scripts/pack-smoke.mjs';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The first ```js block of the README: the runnable example. */
function readmeExample(): string {
  const match = /```js\n([\s\S]*?)```/.exec(readFileSync(join(packageDir, 'README.md'), 'utf8'));
  if (!match) throw new Error('README has no ```js example');
  return match[1]!;
}

describe('npm pack', () => {
  it('installs into an empty project and the README example runs', () => {
    const out = packInstallRun({ packageDir: 'packages/rnet', script: readmeExample() });
    expect(out).toContain('seeds honoured: true');
    // The README prints the timings object and the Dice of the refined mask.
    expect(out).toMatch(/stages \(ms\): \{\s*encode: [\d.]+,\s*rnet: [\d.]+,\s*crfFU: [\d.]+,\s*total: [\d.]+\s*\}/);
    expect(out).toMatch(/Dice: (0(\.\d+)?|1)\n/);
  }, 240_000);
});
