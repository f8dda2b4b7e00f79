// Package entries: the side-effect-free errors subpath and a browser build free of Node built-ins.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDir } from './fixtures.js';

/** Relative modules reachable from a built file by static or dynamic imports, and the bare specifiers they import. */
function importGraph(entry: string): { files: Set<string>; specifiers: Set<string> } {
  const files = new Set<string>();
  const specifiers = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else specifiers.add(spec);
    }
  };
  visit(entry);
  return { files, specifiers };
}

describe('package entries (built)', () => {
  execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });

  it('@deepigeos/pnet/errors imports nothing: no backend registered, no wasm loaded, same classes as the main entry', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const errors = await import('@deepigeos/pnet/errors');
         const tf = await import('@tensorflow/tfjs-core');
         const before = Object.keys(tf.engine().registryFactory);
         const main = await import('@deepigeos/pnet');
         console.log(JSON.stringify({ before, after: Object.keys(tf.engine().registryFactory).sort(),
           same: errors.ShapeError === main.ShapeError && errors.StateDictError === main.StateDictError && errors.BackendError === main.BackendError,
           name: new errors.ShapeError('x').name }));`,
      ],
      { cwd: packageDir, encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({ before: [], after: ['cpu', 'wasm'], same: true, name: 'ShapeError' });
    expect(importGraph(join(packageDir, 'dist', 'errors.js')).files.size).toBe(1);
  });

  it('the browser entry reaches no Node built-in; the Node entry does', () => {
    const browser = importGraph(join(packageDir, 'dist', 'index.browser.js'));
    expect([...browser.specifiers].filter((s) => s.startsWith('node:'))).toEqual([]);
    expect([...browser.files].some((f) => f.endsWith('checkpoint.js'))).toBe(true);
    const node = importGraph(join(packageDir, 'dist', 'index.js'));
    expect([...node.specifiers].filter((s) => s.startsWith('node:')).sort()).toEqual(['node:crypto', 'node:fs', 'node:fs/promises', 'node:module', 'node:os', 'node:path', 'node:worker_threads']);
  });
});
