// Every code block of the READMEs and guides, extracted and checked (the rule is in code-blocks.ts):
// Node blocks run, browser blocks type-check, install lines name real packages.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';
import { allBlocks, type BlockKind, blockId, type CodeBlock, classify, repoRoot } from './code-blocks.js';

const run = promisify(execFile);
const blocks = allBlocks().map((block) => ({ block, kind: classify(block) }));
const of = (kind: BlockKind) => blocks.filter((b) => b.kind === kind).map((b) => b.block);

/** Temporary directories of this run; each sees the workspace's node_modules. */
const scratch = mkdtempSync(join(tmpdir(), 'deepigeos-doc-blocks-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function freshDir(name: string): string {
  const dir = join(scratch, name.replace(/[^A-Za-z0-9._-]+/g, '_'));
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  return dir;
}

test('every fenced block says what it is (language and markers are known)', () => {
  const errors = blocks.flatMap((b) => (typeof b.kind === 'object' ? [b.kind.error] : []));
  expect(errors).toEqual([]);
  // The suite would pass vacuously if the extraction broke.
  expect(of('run-node').length).toBeGreaterThan(10);
});

test('blocks not run are few and listed', () => {
  const skipped = of('no-run').map(blockId);
  console.log(`doc blocks: ${of('run-node').length} Node, ${of('run-sh').length} shell, ${of('typecheck-browser').length} browser (type-checked), ${of('install').length} install, ${skipped.length} not run: ${skipped.join(', ')}`);
  expect(skipped.length).toBeLessThan(of('run-node').length + of('run-sh').length);
});

test('install lines name our packages and the tfjs packages they need', () => {
  const ours = new Set(['io-nifti', 'geodesic', 'pnet', 'crf-rnn', 'rnet', 'core'].map((p) => `@deepigeos/${p}`));
  const tfjs = /^@tensorflow\/tfjs-(core|layers|backend-wasm|backend-cpu|backend-webgl|backend-webgpu)$/;
  const workspace = new Set(
    ['io-nifti', 'geodesic', 'pnet', 'crf-rnn', 'rnet', 'core'].flatMap((p) => {
      try {
        return [JSON.parse(readFileSync(join(repoRoot, 'packages', p, 'package.json'), 'utf8')).name as string];
      } catch {
        return [];
      }
    }),
  );
  for (const block of of('install')) {
    const lines = block.code.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(lines.length, blockId(block)).toBeGreaterThan(0);
    for (const line of lines) {
      const words = line.replace(/#.*$/, '').trim().split(/\s+/);
      expect(words.slice(0, 2).join(' '), `${blockId(block)}: ${line}`).toMatch(/^npm (i|install)$/);
      for (const name of words.slice(2).filter((w) => !w.startsWith('-'))) {
        const known = (ours.has(name) && workspace.has(name)) || tfjs.test(name);
        expect(known, `${blockId(block)}: unknown package ${name}`).toBe(true);
      }
    }
  }
});

/** The environment of a user's shell: without vitest's variables (NODE_ENV=test changes Vite). */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_ENV' && k !== 'TEST'));
  return { ...env, PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}`, NO_COLOR: '1' };
}

/** Type-checks blocks as separate modules; returns "file:line: message" per error. */
function typecheck(list: CodeBlock[], browser: boolean): string[] {
  const dir = freshDir(browser ? 'typecheck-browser' : 'typecheck-node');
  const files = new Map<string, CodeBlock>();
  list.forEach((block, k) => {
    const path = join(dir, `block${k}.ts`);
    // `export {}` makes a block without imports a module too (top-level await is allowed).
    writeFileSync(path, `${block.code}\nexport {};\n`);
    files.set(path, block);
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: browser ? ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'] : ['lib.es2022.d.ts'],
    types: browser ? [] : ['node'],
    customConditions: browser ? ['browser'] : [],
    typeRoots: [join(repoRoot, 'node_modules', '@types')],
  };
  // Vite's client types declare the `?url` imports of the browser recipe.
  const roots = browser ? [...files.keys(), join(repoRoot, 'node_modules', 'vite', 'client.d.ts')] : [...files.keys()];
  const program = ts.createProgram(roots, options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const block = d.file ? files.get(d.file.fileName) : undefined;
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!block || !d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${block.file}:${block.line + 1 + line}: ${message}`;
  });
}

test('ts blocks for Node type-check (strict)', () => {
  expect(typecheck(of('run-node').filter((b) => b.lang === 'ts'), false)).toEqual([]);
});

test('ts browser blocks type-check against the browser entries (DOM, Vite ?url imports)', () => {
  const list = of('typecheck-browser');
  expect(list.length).toBeGreaterThan(0);
  expect(typecheck(list, true)).toEqual([]);
});

/** Bundles one browser block with Vite as a page's module; returns warnings and emitted files. */
async function bundle(block: CodeBlock, index: number): Promise<{ warnings: string[]; files: { name: string; bytes: number }[] }> {
  const dir = freshDir(`bundle-${index}`);
  writeFileSync(join(dir, 'main.ts'), block.code);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>\n');
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'bundle-block.mjs'), dir], { cwd: dir, env: userEnv(), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout);
}

describe.concurrent('browser blocks bundle with Vite (no Node built-ins, tfjs wasm files emitted)', () => {
  of('typecheck-browser').forEach((block, k) => {
    test(blockId(block), async () => {
      const { warnings, files } = await bundle(block, k);
      const js = files.filter((f) => f.name.endsWith('.js')).reduce((sum, f) => sum + f.bytes, 0);
      console.log(`${blockId(block)}: ${files.length} files, JavaScript ${(js / 1024).toFixed(0)} kB, ${files.filter((f) => f.name.endsWith('.wasm')).map((f) => f.name).join(', ')}`);
      expect(warnings.filter((w) => /externalized for browser compatibility|node:/.test(w))).toEqual([]);
      if (/\.wasm\?url/.test(block.code)) expect(files.some((f) => /tfjs-backend-wasm.*\.wasm$/.test(f.name))).toBe(true);
    });
  });
});

/** Runnable blocks grouped into chains: a block and the `continue` blocks after it. */
function chains(): CodeBlock[][] {
  const out: CodeBlock[][] = [];
  for (const { block, kind } of blocks) {
    if (kind !== 'run-node' && kind !== 'run-sh') continue;
    const last = out.at(-1);
    if (block.markers.includes('continue')) {
      if (!last || last[0]!.file !== block.file) throw new Error(`${blockId(block)}: 'continue' without an earlier runnable block in the file`);
      last.push(block);
    } else {
      out.push([block]);
    }
  }
  return out;
}

async function runBlock(block: CodeBlock, dir: string, index: number): Promise<void> {
  const options = { cwd: dir, env: userEnv(), timeout: 240_000, maxBuffer: 64 * 1024 * 1024 };
  try {
    if (block.lang === 'sh') {
      const path = join(dir, `block${index}.sh`);
      writeFileSync(path, block.code);
      await run('bash', ['-euo', 'pipefail', path], options);
    } else {
      const js = block.lang === 'ts' ? ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText : block.code;
      const path = join(dir, `block${index}.mjs`);
      writeFileSync(path, js);
      await run(process.execPath, [path], options);
    }
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${blockId(block)} failed:\n${e.stderr || e.message}\n${(e.stdout ?? '').slice(-2000)}`);
  }
}

describe.concurrent('runnable blocks', () => {
  for (const chain of chains()) {
    test(chain.map(blockId).join(' → '), async () => {
      const dir = freshDir(blockId(chain[0]!));
      for (const [k, block] of chain.entries()) await runBlock(block, dir, k);
    });
  }
});
