// Links in the READMEs and guides lead somewhere: relative links to files that exist, and in the
// package READMEs (which npm ships without the rest of the repository) only to files the package
// ships or to the repository's URL. Nothing cites the team's internal design notes.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { expect, test } from 'vitest';
import { markdownFiles, repoRoot } from './code-blocks.js';

/** The repository's web address: package.json `repository`, else the one the READMEs use. */
function repositoryUrl(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const url: string | undefined = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  return (url ?? 'https://github.com/deepigeos/deepigeos.js').replace(/^git\+/, '').replace(/\.git$/, '');
}

/** The repository path a repository URL points at. */
function inRepository(url: string, repo: string): string {
  return url.slice(repo.length + 1).replace(/^(blob|tree)\/main\/?/, '').split('#')[0]!;
}

/** Markdown link targets outside code blocks and inline code. */
function links(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

const files = markdownFiles();

test('relative links and links into the repository point at files that exist', () => {
  const repo = repositoryUrl();
  const broken: string[] = [];
  for (const file of files) {
    for (const target of links(readFileSync(join(repoRoot, file), 'utf8'))) {
      if (target.startsWith(`${repo}/`)) {
        const path = inRepository(target, repo);
        if (!existsSync(join(repoRoot, path))) broken.push(`${file}: ${target} (no ${path} in the repository)`);
        continue;
      }
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      const path = normalize(join(repoRoot, dirname(file), target.split('#')[0]!));
      if (!existsSync(path)) broken.push(`${file}: ${target}`);
    }
  }
  expect(broken).toEqual([]);
});

test('package READMEs link only to shipped files or to the repository', () => {
  const repo = repositoryUrl();
  const bad: string[] = [];
  for (const file of files.filter((f) => /^packages\/[^/]+\/README\.md$/.test(f))) {
    const dir = dirname(file);
    const shipped: string[] = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')).files ?? [];
    for (const target of links(readFileSync(join(repoRoot, file), 'utf8'))) {
      // Links into the repository are checked by the test above.
      if (target.startsWith('#') || target === repo || target.startsWith(`${repo}/`)) continue;
      if (target.startsWith('https://github.com/') && target.includes('deepigeos')) {
        bad.push(`${file}: ${target} (not the repository URL ${repo})`);
      } else if (!/^[a-z]+:/i.test(target)) {
        const path = relative(join(repoRoot, dir), join(repoRoot, dir, target.split('#')[0]!));
        if (!shipped.some((s) => path === s || path.startsWith(`${s}/`))) bad.push(`${file}: ${target} (not in the package's files)`);
      }
    }
  }
  expect(bad).toEqual([]);
});

test('nothing tracked cites the internal design notes', () => {
  const name = ['DESIGN', 'md'].join('.');
  let hits = '';
  try {
    hits = execFileSync('git', ['grep', '-n', '-I', name, '--', '.'], { cwd: repoRoot, encoding: 'utf8' });
  } catch (error) {
    // git grep exits 1 when nothing matches.
    if ((error as { status?: number }).status !== 1) throw error;
  }
  expect(hits.split('\n').filter(Boolean)).toEqual([]);
});
