// Benchmark (not a test): the built app in Debian's Chromium on a real MRI (Colin27, mricron-data
// ch2bet.nii.gz, 181×217×181, 1 mm) with the bundled 3D networks on the tfjs wasm backend.
// Measures load / segment / refine wall times, the time to the first progress report, the main
// thread's long tasks (PerformanceObserver 'longtask') per phase, and the CLI's time for the same
// segmentation. Usage: node bench/app-bench.mjs [image.nii.gz]  (after `npm run build`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveStatic } from '../../../scripts/browser-test.mjs';

const image = process.argv[2] ?? '/usr/share/mricron/templates/ch2bet.nii.gz';
if (!existsSync(image)) throw new Error(`${image} not found (apt-get install mricron-data)`);
const root = fileURLToPath(new URL('..', import.meta.url));
const cliDir = fileURLToPath(new URL('../../deepigeos', import.meta.url));

const { build } = await import('vite');
const outDir = mkdtempSync(join(tmpdir(), 'deepigeos-app-bench-'));
// Unminified under BENCH_PROFILE, so the profile names the functions.
await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir, ...(process.env['BENCH_PROFILE'] === '1' ? { minify: false } : {}) } });
const server = await serveStatic(outDir, { crossOriginIsolated: true });
const browser = await launchChromium();
const page = await browser.context.newPage();
await page.setViewportSize({ width: 1400, height: 900 });
await page.addInitScript(() => {
  window.__lt = [];
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__lt.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
});
const status = () => page.getByTestId('status').textContent({ timeout: 600_000 });
const idle = () => page.waitForFunction(() => document.querySelector('[data-testid=status]').textContent === 'ready', null, { timeout: 1_800_000 });
const skipCli = process.env['BENCH_SKIP_CLI'] === '1';
const longTasks = async () => page.evaluate(() => window.__lt.splice(0));
const summary = (lt) => ({ count: lt.length, over200: lt.filter((d) => d > 200).length, maxMs: Math.round(Math.max(0, ...lt)), over200Ms: lt.filter((d) => d > 200).map(Math.round) });

// BENCH_PROFILE=1: a main-thread CPU profile of each phase, summarised as the functions with the
// most self time (what the long tasks are made of).
const cdp = process.env['BENCH_PROFILE'] === '1' ? await page.context().newCDPSession(page) : undefined;
if (cdp) await cdp.send('Profiler.enable');

/** The `top` functions by self time of a CDP CPU profile, as "ms name (file)". */
function hottest(profile, top = 8) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} (${f.url.split('/').pop()}:${f.lineNumber})`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return [...self].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, ms]) => `${Math.round(ms)} ms ${k}`);
}

/** Runs `start`, then polls the status until it is 'ready' again; returns times and long tasks. */
async function phase(start, firstProgress = /%$/) {
  await longTasks();
  if (cdp) await cdp.send('Profiler.start');
  const t0 = Date.now();
  await start();
  let progressAt;
  for (;;) {
    const s = await status();
    if (progressAt === undefined && firstProgress.test(s)) progressAt = Date.now() - t0;
    if (s === 'ready' && Date.now() - t0 > 200) break;
    await page.waitForTimeout(50);
  }
  const result = { totalMs: Date.now() - t0, firstProgressMs: progressAt, longTasks: summary(await longTasks()) };
  if (cdp) result.mainThreadHottest = hottest((await cdp.send('Profiler.stop')).profile);
  console.error(JSON.stringify(result)); // as it comes, in case a later phase fails
  return result;
}

await page.goto(server.url);
await idle();
const results = { image, loadavg: loadavg().map((v) => +v.toFixed(2)) };
results.load = await phase(() => page.getByTestId('file-input').setInputFiles(image), /^$/);
await idle();
results.segment = await phase(() => page.getByTestId('run-pnet').click());
results.segmentMessage = await page.locator('#message').textContent();
results.segmentStages = await page.locator('#counts').getAttribute('data-timings');
results.backend = await page.locator('#network-info').textContent();

// Seeds spanning about 64 voxels in-plane on two axial slices 64 apart: a ≈96³ refinement region.
const box = await page.getByTestId('viewer').boundingBox();
await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
const from = await page.locator('#readout').textContent();
await page.getByTestId('seed-fg').click();
const stroke = async () => {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const half = (64 / 217) * box.height * 0.5;
  await page.mouse.move(cx - half, cy - half);
  await page.mouse.down();
  await page.mouse.move(cx + half, cy + half, { steps: 20 });
  await page.mouse.up();
};
await stroke();
for (let i = 0; i < 64; i++) await page.keyboard.press('ArrowUp');
await stroke();
results.seedText = `${from} → ${await page.locator('#counts').textContent()}`;
results.refine = await phase(() => page.getByTestId('run-refine').click());
results.refineMessage = await page.locator('#message').textContent();
results.refineStages = await page.locator('#counts').getAttribute('data-timings');
await browser.close();
server.close();

// The CLI on the same image and weights (Node, wasm backend, one thread).
if (!skipCli) {
  const out = join(outDir, 'cli-seg.nii.gz');
  const t0 = Date.now();
  // The same P-Net as the app: DEEPIGEOS_APP_WEIGHTS when the build bundles other weights.
  const pnet = process.env['DEEPIGEOS_APP_WEIGHTS'] ? join(process.env['DEEPIGEOS_APP_WEIGHTS'], 'pnet3d') : 'weights/pnet3d';
  execFileSync('node', ['bin/deepigeos.js', 'segment', image, '--pnet', pnet, '--out', out, '--backend', 'wasm'], { cwd: cliDir, stdio: 'pipe' });
  results.cliSegmentMs = Date.now() - t0;
}
results.loadavgAfter = loadavg().map((v) => +v.toFixed(2));
rmSync(outDir, { recursive: true, force: true });
console.log(JSON.stringify(results, null, 2));
