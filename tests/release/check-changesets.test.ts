// The release gate of CI: a package whose src/ changed since its last release needs a pending
// changeset naming it. Exercised on a scratch git repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/check-changesets.mjs');
let repo: string;

const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'ignore' });
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};
const commit = (message: string) => {
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', message);
};
const check = () => spawnSync('node', [script, repo], { encoding: 'utf8' });
const manifest = (name: string, version: string, extra = {}) => JSON.stringify({ name, version, ...extra });

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'changesets-'));
  git('init', '-q');
  write('package.json', JSON.stringify({ private: true, workspaces: ['packages/*', 'examples/*'] }));
  write('packages/a/package.json', manifest('@x/a', '0.1.0'));
  write('packages/a/src/index.ts', 'export const a = 1;\n');
  write('packages/b/package.json', manifest('@x/b', '0.1.0'));
  write('packages/b/src/index.ts', 'export const b = 1;\n');
  write('examples/app/package.json', manifest('@x/app', '0.0.0', { private: true }));
  write('examples/app/src/index.ts', 'export const app = 1;\n');
  write('.changeset/README.md', 'not a changeset\n');
  write('.changeset/first.md', '---\n"@x/a": minor\n\'@x/b\': patch\n---\n\nFirst release.\n');
  commit('first');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('check-changesets', () => {
  it('passes when every changed package is named by a pending changeset', () => {
    const result = check();
    expect(result.status).toBe(0);
  });

  it('fails, naming the package, when src/ changed after a release without a changeset', () => {
    // A release: versions bumped, changesets consumed.
    write('packages/a/package.json', manifest('@x/a', '0.2.0'));
    write('packages/b/package.json', manifest('@x/b', '0.1.1'));
    rmSync(join(repo, '.changeset/first.md'));
    commit('release');
    expect(check().status).toBe(0);
    write('packages/b/src/index.ts', 'export const b = 2;\n');
    write('examples/app/src/index.ts', 'export const app = 2;\n'); // private: never needs one
    commit('change b');
    const result = check();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('@x/b');
    expect(result.stderr).not.toContain('@x/a');
    expect(result.stderr).not.toContain('@x/app');
    write('.changeset/b.md', '---\n"@x/b": patch\n---\n\nFix.\n');
    expect(check().status).toBe(0);
  });

  it('counts uncommitted changes to src/ too', () => {
    write('packages/a/package.json', manifest('@x/a', '0.2.0'));
    write('packages/b/package.json', manifest('@x/b', '0.1.1'));
    rmSync(join(repo, '.changeset/first.md'));
    commit('release');
    write('packages/a/src/new.ts', 'export const n = 1;\n');
    const result = check();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('@x/a');
  });
});
