// The web app in headless Chromium (its production build, tfjs wasm backend) against the CLI's
// Node pipeline (tfjs wasm backend) on the same bundled sample and networks:
//   segment: P-Net (+ CRF-Net(f)) over the whole volume (2D networks: every axial slice);
//   refine:  R-Net (+ CRF-Net(fu)) after one background stroke (2D: on that stroke's slice).
// Prints median stage times (ms) and the Chromium/Node ratio. Needs `npm run build` first.
//   node web/bench/browser-vs-node.mjs [repeats]        (from examples/deepigeos)
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti, toCanonical, volumeFromNifti } from '@deepigeos/io-nifti';
import { initBackend } from '@deepigeos/pnet';
import { build } from 'vite';
import { launchChromium, serveStatic } from '../../../../scripts/browser-test.mjs';
import { zScoreNonZero } from '../../dist/data/preprocess.js';
import { createSession } from '../../dist/pipeline/infer.js';
import { loadTrainedNet } from '../../dist/pipeline/networks.js';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA } from '../../dist/train/schema.js';

const repeats = Number(process.argv[2] ?? 3);
const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const weights = join(webRoot, '..', 'weights');
const sampleDir = join(webRoot, '..', 'sample');
const samplePath = join(sampleDir, readdirSync(sampleDir, { recursive: true }).find((f) => f.endsWith('.nii.gz') && !f.endsWith('_seg.nii.gz')));
// The pair the app uses (web/src/pipeline.ts choosePair): 2D when bundled, else 3D.
const dim = ['pnet2d', 'rnet2d'].every((n) => existsSync(join(weights, n, 'model.json'))) ? 2 : 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sumStages = (all) => all.reduce((acc, t) => {
  for (const [k, v] of Object.entries(t)) if (v !== undefined) acc[k] = (acc[k] ?? 0) + v;
  return acc;
}, {});

const volume = volumeFromNifti(toCanonical(await readNifti(samplePath)));
const [D, H, W] = volume.shape;
const image = zScoreNonZero({ data: volume.data, shape: [...volume.shape], channels: 1, spacing: [...volume.spacing] }).data;
// The stroke: across the middle row of the middle axial slice, 45 % → 55 % of the width.
const strokeSlice = Math.floor(D / 2);
const strokeRow = Math.floor(H / 2);
const strokeCols = [Math.floor(0.45 * W), Math.ceil(0.55 * W)];

async function inNode() {
  const backend = await initBackend('wasm');
  const pnet = await loadTrainedNet(join(weights, `pnet${dim}d`), 'pnet', TRAIN_PNET_SCHEMA);
  const rnet = await loadTrainedNet(join(weights, `rnet${dim}d`), 'rnet', TRAIN_RNET_SCHEMA);
  const runs = { segment: [], refine: [] };
  const seeds = [];
  for (let w = strokeCols[0]; w <= strokeCols[1]; w++) seeds.push(dim === 3 ? [strokeSlice, H - 1 - strokeRow, w] : [H - 1 - strokeRow, w]);
  for (let r = 0; r < repeats; r++) {
    const perSlice = [];
    let strokeSession;
    for (let d = 0; d < (dim === 3 ? 1 : D); d++) {
      const session = createSession(pnet, rnet);
      const input = dim === 3 ? { data: image, shape: [D, H, W], spacing: volume.spacing } : { data: image.subarray(d * H * W, (d + 1) * H * W), shape: [H, W], spacing: volume.spacing.slice(1) };
      perSlice.push((await session.segment(input)).timings);
      if (dim === 3 || d === strokeSlice) strokeSession = session;
    }
    runs.segment.push(sumStages(perSlice));
    await strokeSession.addSeeds('bg', seeds);
    runs.refine.push((await strokeSession.refine()).timings);
  }
  return { backend, runs };
}

async function inChromium() {
  const work = mkdtempSync(join(tmpdir(), 'deepigeos-web-bench-'));
  let server;
  try {
    await build({ configFile: join(webRoot, 'vite.config.ts'), logLevel: 'error', build: { outDir: join(work, 'site') } });
    server = await serveStatic(join(work, 'site'));
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(server.url);
      const idle = () => page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'idle', null, { timeout: 300_000 });
      const timings = async () => JSON.parse(await page.locator('#status').getAttribute('data-last-timings'));
      await page.click('#load-sample');
      await idle();
      const backend = await page.locator('#status').getAttribute('data-backend');
      await page.locator('figure[data-plane="axial"] input[type="range"]').fill(String(strokeSlice));
      await page.check('input[name="brush"][value="background"]');
      await page.locator('#brush-radius').fill('0');
      const b = await page.locator('figure[data-plane="axial"] canvas').boundingBox();
      const at = (col) => [b.x + ((col + 0.5) / W) * b.width, b.y + ((strokeRow + 0.5) / H) * b.height];
      const runs = { segment: [], refine: [] };
      for (let r = 0; r < repeats; r++) {
        await page.click('#segment');
        await idle();
        runs.segment.push(await timings());
        await page.mouse.move(...at(strokeCols[0]));
        await page.mouse.down();
        await page.mouse.move(...at(strokeCols[1]), { steps: 8 });
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
    server?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const node = await inNode();
const chromium = await inChromium();
console.log(`${samplePath.split('/').at(-1)}: ${D}×${H}×${W} voxels, ${dim}D networks${dim === 2 ? ' per axial slice' : ''}; ${repeats} repeats, medians in ms`);
console.log(`backends: Chromium ${chromium.backend}, Node ${node.backend}`);
console.log('stage               Chromium      Node   Chromium/Node');
for (const [step, stages] of [
  ['segment', ['pnet', 'crfF', 'total']],
  ['refine', ['encode', 'rnet', 'crfFU', 'total']],
]) {
  for (const stage of stages) {
    const c = chromium.runs[step].map((t) => t[stage]).filter((v) => v !== undefined);
    const n = node.runs[step].map((t) => t[stage]).filter((v) => v !== undefined);
    if (c.length === 0 || n.length === 0) continue;
    console.log(`${`${step}.${stage}`.padEnd(18)} ${median(c).toFixed(0).padStart(9)} ${median(n).toFixed(0).padStart(9)} ${(median(c) / median(n)).toFixed(2).padStart(15)}`);
  }
}
