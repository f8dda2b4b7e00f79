// `npm run docs` must fail on an undocumented public export: the same typedoc configuration,
// validation only (no HTML), so every package's new exports are checked in CI.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { repoRoot } from './code-blocks.js';

test('typedoc validation passes: every public export documented, every {@link} resolves', async () => {
  const typedoc = join(repoRoot, 'node_modules', '.bin', 'typedoc');
  const { stdout } = await promisify(execFile)(typedoc, ['--emit', 'none'], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, timeout: 280_000 }).catch(
    (error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`typedoc failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
    },
  );
  expect(stdout).not.toMatch(/\[warning\]|\[error\]/);
});
