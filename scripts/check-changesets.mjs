// Fails when a public package's src/ changed since its last release without a pending changeset
// that names it: every user-visible change must reach the changelog. The last release of a
// package is the newest commit that changed the `version` in its package.json (`npm run release`
// writes it); before any release, the whole history counts.
// Usage: node scripts/check-changesets.mjs [repoDir]   (exit 0: covered, 1: missing changesets)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(process.argv[2] ?? '.');
const git = (...args) =>
  execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/** Workspace folders of publishable packages (not `private`). */
function publicPackages() {
  const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const dirs = [];
  for (const pattern of root.workspaces ?? []) {
    const base = pattern.endsWith('/*') ? pattern.slice(0, -2) : null;
    const candidates = base === null ? [pattern] : existsSync(join(repo, base)) ? readdirSync(join(repo, base)).map((n) => `${base}/${n}`) : [];
    for (const dir of candidates) {
      const manifest = join(repo, dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (pkg.private !== true) dirs.push({ dir, name: pkg.name });
    }
  }
  return dirs;
}

/** The version field of a package.json at a commit, or undefined where the file did not exist. */
function versionAt(commit, file) {
  try {
    return JSON.parse(git('show', `${commit}:${file}`)).version;
  } catch {
    return undefined;
  }
}

/** Newest commit that changed the package's version, or undefined if it never did. */
function lastRelease(dir) {
  const file = `${dir}/package.json`;
  for (const commit of git('log', '--format=%H', '--', file).split('\n').filter(Boolean)) {
    const before = versionAt(`${commit}^`, file);
    if (before !== undefined && before !== versionAt(commit, file)) return commit;
  }
  return undefined;
}

/** Package names listed in the front matter of the pending changesets. */
function namesInChangesets() {
  const dir = join(repo, '.changeset');
  const names = new Set();
  if (!existsSync(dir)) return names;
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.md') || file === 'README.md') continue;
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, file), 'utf8'));
    for (const line of front?.[1].split('\n') ?? []) {
      const match = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/.exec(line);
      if (match) names.add(match[1]);
    }
  }
  return names;
}

const covered = namesInChangesets();
const missing = [];
for (const { dir, name } of publicPackages()) {
  const since = lastRelease(dir);
  // Committed changes since the release plus uncommitted ones in the work tree.
  const changed = git('log', '--format=%H', ...(since ? [`${since}..HEAD`] : []), '--', `${dir}/src`) || git('status', '--porcelain', '--', `${dir}/src`);
  if (changed !== '' && !covered.has(name)) missing.push(`${name} (${dir}/src changed since ${since ? `release ${since.slice(0, 8)}` : 'the first commit'})`);
}
if (missing.length > 0) {
  console.error(`check-changesets: src/ changed without a changeset for:\n  ${missing.join('\n  ')}\nRun \`npm run changeset\` and describe the change for users.`);
  process.exit(1);
}
console.log('check-changesets: every changed package has a pending changeset');
