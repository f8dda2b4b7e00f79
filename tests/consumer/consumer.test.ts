// What a user gets from `npm i`: every public package packed, installed from the tarballs alone
// into a new project outside the workspace, then used as a user would — a Node ESM program, the
// TypeScript compiler under strict NodeNext (and node10/bundler resolution for the types), and a
// Vite bundle in Debian's Chromium that must run on the wasm backend — with one tfjs-core copy.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, serveStatic } from '../../scripts/browser-test.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
/** Public packages in dependency order. */
const packages = ['core', 'io-nifti', 'geodesic', 'pnet', 'crf-rnn', 'rnet'];
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Runs a command in the project; a failure's error carries what it printed (compiler errors). */
function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

let work: string;
let project: string;
const sizes: Record<string, { tarball: number; unpacked: number; files: number }> = {};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'deepigeos-consumer-'));
  project = join(work, 'project');
  const dependencies: Record<string, string> = {
    '@tensorflow/tfjs-core': '^4.22.0',
    '@tensorflow/tfjs-layers': '^4.22.0',
    '@tensorflow/tfjs-backend-wasm': '^4.22.0',
  };
  // Packs what the test task built (no prepack rebuild: it would rewrite dist/ under the tests running alongside).
  for (const name of packages) {
    const [info] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: join(repo, 'packages', name), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    dependencies[info.name] = `file:${join(work, info.filename)}`;
    sizes[info.name] = { tarball: statSync(join(work, info.filename)).size, unpacked: info.unpackedSize, files: info.entryCount };
  }
  cpSync(join(here, 'project'), project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies, devDependencies: { '@types/node': '^20.19.0' } }, null, 2),
  );
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] });
});

afterAll(() => {
  console.log(`consumer: tarballs ${JSON.stringify(sizes)}`);
  if (work && process.env.KEEP_CONSUMER === undefined) rmSync(work, { recursive: true, force: true });
});

describe('a fresh project that installs the packed packages', () => {
  it('ships what a user expects in every tarball: LICENSE, CHANGELOG, README, built code, no source maps to missing files', () => {
    for (const name of packages) {
      const root = join(project, 'node_modules', '@deepigeos', name);
      for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']) {
        expect(statSync(join(root, file)).isFile(), `${name}/${file}`).toBe(true);
      }
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      expect(manifest.repository?.url, name).toMatch(/^git\+https:/);
      expect(manifest.engines.node, name).toBe('>=20.19.0');
      for (const map of readdirSync(join(root, 'dist')).filter((f) => f.endsWith('.js.map'))) {
        const { sources, sourcesContent } = JSON.parse(readFileSync(join(root, 'dist', map), 'utf8'));
        // Either the sources are inlined or the files they name are shipped.
        expect(sourcesContent?.length === sources.length || sources.every((s: string) => statSync(join(root, 'dist', s), { throwIfNoEntry: false })), `${name}/dist/${map}`).toBe(true);
      }
    }
  });

  it('has exactly one copy of @tensorflow/tfjs-core', () => {
    const copies = execFileSync('npm', ['ls', '@tensorflow/tfjs-core', '--all', '--parseable'], { cwd: project, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(new Set(copies).size).toBe(1);
  });

  it('compiles under strict NodeNext, and runs io-nifti → P-Net → R-Net in Node on the wasm backend', () => {
    run('node', [tsc, '-p', 'tsconfig.json']);
    const out = run('node', ['out/session.js']);
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toMatchObject({ backend: 'wasm', shape: [8, 24, 24], seedsHonoured: true, dice: true, typedError: true });
    expect(result.convolutions).toMatch(/^(native-avx512|native-avx2|tfjs|wasm-simd.*)$/);
  });

  it("has declarations that compile without the DOM lib (tfjs' own need it; ours must not)", () => {
    // tfjs' declarations reference DOM types, so users compile with skipLibCheck (as above); this
    // run checks every declaration and keeps only the errors in ours.
    let output = '';
    try {
      run('node', [tsc, '-p', 'tsconfig.libcheck.json']);
    } catch (error) {
      output = String((error as Error).message);
    }
    expect(output.split('\n').filter((line) => line.includes('node_modules/@deepigeos/'))).toEqual([]);
  });

  it('type-checks every entry point under node10 and bundler module resolution', () => {
    run('node', [tsc, '-p', 'tsconfig.node10.json']);
    run('node', [tsc, '-p', 'tsconfig.bundler.json']);
  });

  it.runIf(hasChromium())('bundles with Vite and runs the session in Chromium on the wasm backend; without the recipe, one warning names the fix', async () => {
    const { build } = await import('vite');
    const outDir = join(project, 'dist-web');
    await build({
      root: project,
      logLevel: 'error',
      configFile: false,
      build: { outDir, target: 'es2022', assetsInlineLimit: 0, rollupOptions: { input: { index: join(project, 'index.html'), fallback: join(project, 'fallback.html') } } },
    });
    const assets = readdirSync(join(outDir, 'assets'));
    const jsBytes = assets.filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + statSync(join(outDir, 'assets', f)).size, 0);
    console.log(`consumer: browser bundle ${(jsBytes / 1024).toFixed(0)} kB of JavaScript in ${assets.length} assets`);
    const server = await serveStatic(outDir);
    const browser = await launchChromium();
    try {
      const open = async (path: string) => {
        const page = await browser.context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        await page.goto(new URL(path, server.url).href);
        await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, null, { timeout: 180_000 });
        const result = (await page.evaluate(() => (window as { __result?: unknown }).__result)) as { ok: boolean; error?: string; value?: Record<string, unknown> };
        expect(result.error).toBeUndefined();
        expect(pageErrors).toEqual([]);
        return result.value!;
      };
      expect(await open('index.html')).toEqual({ backend: 'wasm', seedsHonoured: true, warnings: [] });
      const fallback = await open('fallback.html');
      expect(fallback.backend).toBe('cpu');
      expect(fallback.warnings).toHaveLength(1);
      expect(String((fallback.warnings as string[])[0])).toMatch(/wasm backend failed to initialise.*cpu backend.*wasmPaths/);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
