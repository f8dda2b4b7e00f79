// The published tarball must install and work in an empty project outside the monorepo: the
// README example runs as written, and bundlers' `browser` condition resolves to a Node-free entry.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packInstallRun } from '../../../scripts/pack-smoke.mjs';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The first ```js block of the README: the runnable example. */
function readmeExample(): string {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const match = /```js\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README has no ```js example');
  return match[1]!;
}

/** Relative imports reachable from a built module, to prove the browser entry never loads node: modules. */
function importGraph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(entry, 'utf8');
  for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
    if (spec!.startsWith('.')) importGraph(join(dirname(entry), spec!), seen);
    else seen.add(spec!);
  }
  return seen;
}

describe('npm pack', () => {
  it('the browser build imports no node: module', () => {
    const graph = [...importGraph(join(packageDir, 'dist', 'index.browser.js'))];
    expect(graph.length).toBeGreaterThan(10);
    // Only its own modules and the zero-dependency, browser-safe @deepigeos/core.
    expect(graph.filter((m) => !m.startsWith('/'))).toEqual(['@deepigeos/core']);
    // The Node entry does use zlib and fs (sanity check of the walk itself).
    expect([...importGraph(join(packageDir, 'dist', 'index.js'))]).toContain('node:zlib');
  }, 120_000);

  it('installs into an empty project; the README example runs; the browser condition picks the browser entry', () => {
    const out = packInstallRun({
      packageDir: 'packages/io-nifti',
      script: `${readmeExample()}
        const lib = await import('@deepigeos/io-nifti');
        const written = await lib.readNifti('mask.nii.gz');
        const back = await lib.readNifti(await lib.encodeNiftiGzip(written));
        console.log('RESULT ' + JSON.stringify({ dims: back.dims, datatype: back.datatype, affine: back.affine }));
        const { execFileSync } = await import('node:child_process');
        const { writeFileSync } = await import('node:fs');
        writeFileSync('browser.mjs', "import { readNifti } from '@deepigeos/io-nifti'; await readNifti('x.nii').catch((e) => console.log(e.message));");
        console.log('BROWSER ' + execFileSync('node', ['--conditions=browser', 'browser.mjs'], { encoding: 'utf8' }));
      `,
    });
    expect(out).toContain('[ 16, 16, 8 ] 16');
    const result = JSON.parse(/RESULT (.*)/.exec(out)![1]!);
    expect(result.dims).toEqual([16, 16, 8]);
    expect(result.datatype).toBe(2);
    expect(result.affine).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 2, 0],
      [0, 0, 0, 1],
    ]);
    expect(out).toMatch(/BROWSER readNifti got the path "x.nii": in browsers pass bytes/);
  }, 180_000);
});
