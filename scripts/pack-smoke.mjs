// Packs workspace packages with `npm pack`, installs the tarballs into an empty project outside
// the monorepo and runs a snippet there. Dependencies come from npm's cache when it has them and
// from the registry otherwise (`npm ci` caches tarballs but not the registry metadata that an
// install of a tarball needs, so `--offline` fails on a machine with a fresh cache). Used by each package's pack test to prove the published tarball works alone.
// Packs what is built (the test task builds first) with `--ignore-scripts`: the prepack rebuild would
// rewrite dist/ while other packages' tests, running alongside, read it (an app test once bundled a
// half-written dist/index.js and found no exports).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Workspace folders of a package and of every @deepigeos package it depends on (transitively). */
function withInternalDeps(pkgDir, seen = new Map()) {
  const abs = resolve(repoRoot, pkgDir);
  const manifest = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8'));
  if (seen.has(manifest.name)) return seen;
  seen.set(manifest.name, abs);
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (dep.startsWith('@deepigeos/')) withInternalDeps(join('packages', dep.slice('@deepigeos/'.length)), seen);
  }
  return seen;
}

/**
 * @param {{ packageDir: string, script: string, keep?: boolean }} opts
 *   packageDir relative to the repo root (e.g. 'packages/io-nifti'); script is an ES module body.
 * @returns {string} what the script printed on stdout
 */
export function packInstallRun({ packageDir, script, keep = false }) {
  const work = mkdtempSync(join(tmpdir(), 'deepigeos-pack-'));
  try {
    const tarballs = [];
    for (const dir of withInternalDeps(packageDir).values()) {
      const out = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { cwd: dir, encoding: 'utf8' });
      tarballs.push(join(work, out.trim().split('\n').pop()));
    }
    const project = join(work, 'consumer');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs], {
      cwd: project,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    writeFileSync(join(project, 'main.mjs'), script);
    return execFileSync('node', ['main.mjs'], { cwd: project, encoding: 'utf8' });
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}
