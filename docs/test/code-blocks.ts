// Finds the fenced code blocks of the repository's Markdown files and decides what the doc test
// does with each one. The rule, stated once (docs/README.md repeats it for writers):
//
//   ```ts / ```js              runs in Node as an ES module, in a fresh empty directory
//                              (ts blocks are also type-checked, strict, against the packages' types)
//   ```ts browser              type-checked for a browser bundle (DOM lib, `browser` export
//                              condition, Vite's `?url` imports) and bundled with Vite (no
//                              Node built-in may be reached); not run
//   ```sh                      runs in bash (-euo pipefail) in a fresh empty directory, with the
//                              workspace's node_modules/.bin (the `deepigeos` CLI) on PATH
//   ```sh install              `npm install` lines: every package named must be one of ours or a
//                              tfjs package we document; not run (no network in tests)
//   ```<lang> no-run           deliberately not run (long training, dev servers, torchrun, shell
//                              snippets for another machine); listed by the test
//   ```<lang> continue         runs in the directory of the previous block of the same file
//                              (guides that build on the previous step)
//   ```text / json / http …    data, output or headers: not code
//
// A fence without a language, or with one not listed here, fails the test: every block must say
// what it is.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Languages that are data or output, never executed. */
export const DATA_LANGUAGES = new Set(['text', 'json', 'jsonc', 'http', 'html', 'diff', 'console']);
/** Languages whose blocks are code: each must run or carry a marker. */
export const CODE_LANGUAGES = new Set(['ts', 'js', 'sh', 'python']);
/** Markers allowed after the language. */
export const MARKERS = new Set(['browser', 'install', 'no-run', 'continue']);

/** One fenced block of a Markdown file. */
export interface CodeBlock {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** First word of the info string. */
  lang: string;
  /** Remaining words of the info string. */
  markers: string[];
  /** The block's text, with the fence's indentation removed. */
  code: string;
}

/** What the doc test does with a block. */
export type BlockKind = 'run-node' | 'run-sh' | 'typecheck-browser' | 'install' | 'no-run' | 'data';

/** The repository root (two levels above this file). */
export const repoRoot = join(import.meta.dirname, '..', '..');

/** Markdown files tracked by git (or new and not ignored), minus changelogs and changeset notes (prose only). */
export function markdownFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md', '**/*.md'], { cwd: repoRoot, encoding: 'utf8' });
  const files = [...new Set(out.split('\n').filter(Boolean))];
  return files.filter((f) => !f.startsWith('.changeset/') && !/(^|\/)CHANGELOG\.md$/.test(f)).sort();
}

/** Every fenced block of one Markdown text. Fences may be indented (inside list items). */
export function parseBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const [lang = '', ...markers] = info.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    blocks.push({ file, line: i + 1, lang, markers, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** All blocks of all tracked Markdown files. */
export function allBlocks(): CodeBlock[] {
  return markdownFiles().flatMap((f) => parseBlocks(f, readFileSync(join(repoRoot, f), 'utf8')));
}

/** The kind of a block, or an error message saying why its fence is not acceptable. */
export function classify(block: CodeBlock): BlockKind | { error: string } {
  const where = `${block.file}:${block.line}`;
  if (block.lang === '') return { error: `${where}: fence without a language (use text, json, ts, js, sh, …)` };
  const unknown = block.markers.filter((m) => !MARKERS.has(m));
  if (unknown.length > 0) return { error: `${where}: unknown marker(s) ${unknown.join(', ')} (allowed: ${[...MARKERS].join(', ')})` };
  if (DATA_LANGUAGES.has(block.lang)) return 'data';
  if (!CODE_LANGUAGES.has(block.lang)) return { error: `${where}: unknown language '${block.lang}'` };
  const has = (m: string) => block.markers.includes(m);
  if (has('no-run')) return 'no-run';
  if (block.lang === 'python') return { error: `${where}: python blocks cannot run here; mark them no-run` };
  if (has('install')) return block.lang === 'sh' ? 'install' : { error: `${where}: 'install' applies to sh blocks` };
  if (has('browser')) return block.lang === 'ts' ? 'typecheck-browser' : { error: `${where}: browser blocks must be ts (they are type-checked)` };
  return block.lang === 'sh' ? 'run-sh' : 'run-node';
}

/** A readable id for a block in test names and temporary file names. */
export function blockId(block: CodeBlock): string {
  return `${block.file}:${block.line}`;
}
