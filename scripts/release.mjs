// `npm run release`: applies the pending changesets (versions, CHANGELOG.md files, internal
// dependency ranges), rebuilds, and packs every public package into release/ with a size table.
// It publishes nothing: `npm publish release/<tarball>` is a separate, deliberate step.
// `--pack-only` skips the versioning (packs the current versions).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repo, 'release');
const run = (cmd, args, cwd = repo) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

if (!process.argv.includes('--pack-only')) {
  run('npx', ['changeset', 'version']);
  // changeset version rewrites package.json ranges: refresh the lock file to match.
  run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund']);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
const rows = [];
for (const group of ['packages']) {
  for (const name of readdirSync(join(repo, group)).sort()) {
    const dir = join(repo, group, name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (manifest.private === true) continue;
    const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', out], dir));
    rows.push(`| ${info.name} | ${info.version} | ${(statSync(join(out, info.filename)).size / 1024).toFixed(1)} kB | ${(info.unpackedSize / 1024).toFixed(1)} kB | ${info.entryCount} |`);
  }
}
const table = ['| package | version | tarball | unpacked | files |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
writeFileSync(join(out, 'SIZES.md'), `${table}\n`);
console.log(`release: packed ${rows.length} packages into release/\n${table}`);
