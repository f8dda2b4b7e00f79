// The published tarball must install and work in an empty project outside the monorepo: the
// README example runs as written against the packed @deepigeos packages.
import { execFileSync } from 'node:child_process';
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
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
    const out = packInstallRun({ packageDir: 'packages/rnet', script: readmeExample() });
    expect(out).toContain('seeds honoured: true');
    expect(out).toContain('stages (ms): encode, rnet, crfFU, total');
    expect(out).toContain('metrics: dice, iou, assd, hd95');
  }, 240_000);
});
