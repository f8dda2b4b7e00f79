// Same volume, same bundled networks, same session steps: the web app in headless Chromium (its
// production build, tfjs wasm backend) against Node (tfjs wasm backend). Prints median stage
// times and the browser/Node ratio. Needs `npm run build` (packages and examples dist).
//   node web/bench/browser-vs-node.mjs [repeats]        (from examples/deepigeos)
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti, toCanonical, volumeFromNifti } from '@deepigeos/io-nifti';
import { initBackend } from '@deepigeos/pnet';
import { InteractiveSession } from '@deepigeos/rnet';
import { build } from 'vite';
import { launchChromium, serveStatic } from '../../../../scripts/browser-test.mjs';
import { nonZeroBox, zScoreNonZero } from '../../dist/data/preprocess.js';
import { loadModel } from '../../dist/train/model-io.js';

const repeats = Number(process.argv[2] ?? 3);
const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const assets = process.env.DEEPIGEOS_WEB_ASSETS ?? join(webRoot, '..', 'weights');
const sampleFile = readdirSync(join(assets, 'sample')).find((f) => f.endsWith('.nii.gz') && !f.endsWith('_seg.nii.gz'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Background seeds: a 7-voxel line through the middle of the volume's middle axial slice.
const volume = volumeFromNifti(toCanonical(await readNifti(join(assets, 'sample', sampleFile))));
const [D, H, W] = volume.shape;
const seedLine = Array.from({ length: 7 }, (_, k) => [Math.floor(D / 2), Math.floor(H / 2), Math.floor(W / 2) - 3 + k]);

async function inNode() {
  const backend = await initBackend('wasm');
  const [pnet, rnet] = await Promise.all([loadModel(join(assets, 'pnet-3d')), loadModel(join(assets, 'rnet-3d'))]);
  const image = { data: volume.data, shape: [...volume.shape], channels: 1, spacing: [...volume.spacing] };
  const box = nonZeroBox(image);
  const session = new InteractiveSession({ pnet, rnet, roi: { start: box.start, size: box.end.map((e, a) => e - box.start[a]) } });
  const runs = { segment: [], refine: [] };
  for (let r = 0; r < repeats; r++) {
    runs.segment.push((await session.segment({ data: zScoreNonZero(image).data, shape: volume.shape, spacing: volume.spacing })).timings);
    await session.addSeeds('bg', seedLine);
    runs.refine.push((await session.refine()).timings);
  }
  return { backend, runs };
}

async function inChromium() {
  const work = mkdtempSync(join(tmpdir(), 'deepigeos-web-bench-'));
  const server = { close() {} };
  try {
    await build({ configFile: join(webRoot, 'vite.config.ts'), logLevel: 'error', build: { outDir: join(work, 'site') } });
    Object.assign(server, await serveStatic(join(work, 'site')));
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(server.url);
      const idle = () => page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'idle', null, { timeout: 300_000 });
      const timings = async () => JSON.parse(await page.locator('#status').getAttribute('data-last-timings'));
      await page.click('#load-sample');
      await idle();
      const backend = await page.locator('#status').getAttribute('data-backend');
      const runs = { segment: [], refine: [] };
      const axial = page.locator('figure[data-plane="axial"] canvas');
      for (let r = 0; r < repeats; r++) {
        await page.click('#segment');
        await idle();
        runs.segment.push(await timings());
        await page.check('input[name="brush"][value="background"]');
        const b = await axial.boundingBox();
        await page.mouse.move(b.x + b.width * 0.45, b.y + b.height / 2);
        await page.mouse.down();
        await page.mouse.move(b.x + b.width * 0.55, b.y + b.height / 2, { steps: 5 });
        await page.mouse.up();
        await idle();
        await page.click('#refine');
        await idle();
        runs.refine.push(await timings());
      }
      return { backend, runs };
    } finally {
      await browser.close();
    }
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const node = await inNode();
const chromium = await inChromium();
console.log(`volume ${sampleFile}: ${volume.shape.join('×')} voxels; ${repeats} repeats, medians in ms`);
console.log(`backends: Chromium ${chromium.backend}, Node ${node.backend}`);
console.log('stage            Chromium      Node   Chromium/Node');
for (const [step, stages] of [
  ['segment', ['pnet', 'crfF', 'total']],
  ['refine', ['encode', 'rnet', 'crfFU', 'total']],
]) {
  for (const stage of stages) {
    const b = chromium.runs[step].map((t) => t[stage]).filter((v) => v !== undefined);
    const n = node.runs[step].map((t) => t[stage]).filter((v) => v !== undefined);
    if (b.length === 0 || n.length === 0) continue;
    const label = `${step}.${stage}`.padEnd(16);
    console.log(`${label} ${median(b).toFixed(0).padStart(8)} ${median(n).toFixed(0).padStart(9)} ${(median(b) / median(n)).toFixed(2).padStart(14)}`);
  }
}
