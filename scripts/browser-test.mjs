// Runs an ES module in Debian's headless Chromium and returns what its default export resolves to.
// The module (TS or JS, free to import workspace sources) is bundled with Vite, so assets referenced
// as `new URL('./x.wasm', import.meta.url)` are emitted and served like in a user's app.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve, normalize } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const MIME = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
  '.bin': 'application/octet-stream',
  '.gz': 'application/octet-stream',
  '.nii': 'application/octet-stream',
};

/** True when Debian's Chromium is installed (browser tests need it; `npm run setup` installs it). */
export function hasChromium() {
  return existsSync(CHROMIUM);
}

/** Response headers that make a page cross-origin isolated (`crossOriginIsolated`, SharedArrayBuffer). */
const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * Serves a folder on 127.0.0.1 at a free port; resolves to { url, close }.
 * @param {string} root
 * @param {{ crossOriginIsolated?: boolean }} [opts] `crossOriginIsolated: true` adds the COOP/COEP headers to every response.
 */
export function serveStatic(root, { crossOriginIsolated = false } = {}) {
  const extraHeaders = crossOriginIsolated ? CROSS_ORIGIN_ISOLATION_HEADERS : {};
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', ...extraHeaders });
    res.end(readFileSync(file));
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() })),
  );
}

/** Launches Debian's Chromium through playwright-core with the flags this machine needs. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'deepigeos-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Bundles `entry` (a module whose default export is an async function returning JSON-able data),
 * opens it in headless Chromium and resolves to that data. Page errors and console errors reject.
 * `crossOriginIsolated: true` serves the page with COOP `same-origin` and COEP `require-corp`.
 * @param {{ entry: string, timeoutMs?: number, crossOriginIsolated?: boolean }} opts
 */
export async function runInChromium({ entry, timeoutMs = 120_000, crossOriginIsolated = false }) {
  const { build } = await import('vite');
  const work = mkdtempSync(join(tmpdir(), 'deepigeos-browser-'));
  const outDir = join(work, 'dist');
  const entryPath = resolve(entry);
  writeFileSync(
    join(work, 'index.html'),
    `<!doctype html><meta charset="utf-8"><script type="module">
import run from ${JSON.stringify(`/@fs${entryPath}`)};
run().then((v) => { window.__result = { ok: true, value: v }; },
           (e) => { window.__result = { ok: false, error: String(e && e.stack || e) }; });
</script>`,
  );
  try {
    await build({
      root: work,
      logLevel: 'error',
      configFile: false,
      build: { outDir, target: 'es2022', minify: false, assetsInlineLimit: 0 },
      resolve: { conditions: ['browser', 'import', 'module', 'default'] },
      server: { fs: { strict: false } },
    });
    const server = await serveStatic(outDir, { crossOriginIsolated });
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(server.url);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: timeoutMs });
      const result = await page.evaluate(() => window.__result);
      if (!result.ok) throw new Error(`browser module failed: ${result.error}`);
      if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('\n')}`);
      return result.value;
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
