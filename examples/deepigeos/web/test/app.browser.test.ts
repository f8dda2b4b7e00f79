// End to end in Debian's headless Chromium: the production build of the app (vite build) served
// on 127.0.0.1, driven like a user — load the sample, segment, scribble, refine, undo, download.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNiftiGzip, type NiftiImage, niftiFromVolume, readNifti, toCanonical, volumeFromNifti } from '@deepigeos/io-nifti';
import { createRNet3D } from '@deepigeos/rnet';
import { createPNet3D } from '@deepigeos/pnet';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { build, createServer } from 'vite';
import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, serveStatic } from '../../../../scripts/browser-test.mjs';
import { saveModel } from '../../src/train/model-io.js';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const sampleDir = process.env['DEEPIGEOS_WEB_SAMPLE'] ?? join(webRoot, '..', 'sample');
/** Path of the bundled sample's image (`seg` false) or label map (`seg` true). */
const sampleFile = (seg: boolean) =>
  join(sampleDir, (readdirSync(sampleDir, { recursive: true }) as string[]).find((f) => f.endsWith('.nii.gz') && f.endsWith('_seg.nii.gz') === seg)!);
const screenshotDir = join(webRoot, 'test-output');

type Page = import('playwright-core').Page;

/** The axial slice with the most label voxels and the label's centroid (h, w) on it. */
async function tumourTarget(): Promise<{ shape: number[]; slice: number; h: number; w: number; labelVoxels: number }> {
  const seg = volumeFromNifti(toCanonical(await readNifti(sampleFile(true))));
  const [D, H, W] = seg.shape;
  let best = { slice: 0, count: -1, h: 0, w: 0 };
  let labelVoxels = 0;
  for (let d = 0; d < D; d++) {
    let count = 0;
    let sh = 0;
    let sw = 0;
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        if (seg.data[(d * H + h) * W + w]! > 0) {
          count++;
          sh += h;
          sw += w;
        }
      }
    }
    labelVoxels += count;
    if (count > best.count) best = { slice: d, count, h: Math.round(sh / count), w: Math.round(sw / count) };
  }
  return { shape: seg.shape, slice: best.slice, h: best.h, w: best.w, labelVoxels };
}

async function waitIdle(page: Page, allowError = false): Promise<void> {
  await page.waitForFunction(() => document.getElementById('status')?.dataset['state'] === 'idle', null, { timeout: 120_000 });
  const error = await page.locator('#status').getAttribute('data-error');
  if (error && !allowError) throw new Error(`the app reported: ${error}`);
}

/** Clicks "Download mask" and reads the saved file back with io-nifti (Node). */
async function downloadMask(page: Page, dir: string): Promise<NiftiImage> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const file = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);
  return readNifti(file);
}

/** The sample with its i (x) axis reversed and the affine adjusted: same world image, LAS+ voxel order. */
async function writeFlippedSample(source: NiftiImage, file: string): Promise<void> {
  const v = volumeFromNifti(source);
  const [D, H, W] = v.shape;
  const flipped = new Float32Array(v.data.length);
  for (let r = 0; r < D * H; r++) for (let w = 0; w < W; w++) flipped[r * W + w] = v.data[r * W + (W - 1 - w)]!;
  // World position of voxel i' = W − 1 − i is unchanged: negate column 0, move the origin to old i = W − 1.
  const affine = v.affine.map((row) => [-row[0]!, row[1]!, row[2]!, row[3]! + row[0]! * (W - 1)]);
  writeFileSync(file, await encodeNiftiGzip(niftiFromVolume({ data: flipped, shape: v.shape, spacing: v.spacing, affine })));
}

/** Reverses the i (x, fastest) axis of a NIfTI-order mask. */
function flipX(data: ArrayLike<number>, nx: number): number[] {
  return Array.from({ length: data.length }, (_, k) => data[k - (k % nx) + (nx - 1 - (k % nx))]!);
}

/**
 * Builds the app (optionally with other networks) and opens it in Chromium; `use` drives the page.
 * `crossOriginIsolated` serves it with COOP/COEP, as a host enabling threads would.
 */
async function withApp(work: string, weights: string | undefined, use: (page: Page) => Promise<void>, { crossOriginIsolated = false } = {}): Promise<void> {
  const before = process.env['DEEPIGEOS_WEB_WEIGHTS'];
  if (weights) process.env['DEEPIGEOS_WEB_WEIGHTS'] = weights;
  try {
    await build({ configFile: join(webRoot, 'vite.config.ts'), logLevel: 'error', build: { outDir: join(work, 'site'), emptyOutDir: true } });
  } finally {
    if (before === undefined) delete process.env['DEEPIGEOS_WEB_WEIGHTS'];
    else process.env['DEEPIGEOS_WEB_WEIGHTS'] = before;
  }
  const server = await serveStatic(join(work, 'site'), { crossOriginIsolated });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.setViewportSize({ width: 1100, height: 720 });
    await page.goto(server.url);
    await use(page);
    expect(pageErrors).toEqual([]);
  } finally {
    await browser.close();
    server.close();
  }
}

/** Drags the brush along row `row` of the axial view from column `from` to `to` (slice pixels). */
async function strokeAxial(page: Page, label: 'foreground' | 'background', slice: number, row: number, from: number, to: number, shape: readonly number[]) {
  const [, H, W] = shape as [number, number, number];
  await page.locator('figure[data-plane="axial"] input[type="range"]').fill(String(slice));
  await page.check(`input[name="brush"][value="${label}"]`);
  const canvas = page.locator('figure[data-plane="axial"] canvas');
  const box = (await canvas.boundingBox())!;
  const toPage = (col: number) => [box.x + ((col + 0.5) / W) * box.width, box.y + ((row + 0.5) / H) * box.height] as const;
  await page.mouse.move(...toPage(from));
  await page.mouse.down();
  await page.mouse.move(...toPage(to), { steps: 2 * Math.abs(to - from) });
  await page.mouse.up();
  await waitIdle(page);
  return { canvas, box, toPage };
}

async function statusNumber(page: Page, key: string): Promise<number> {
  return Number(await page.locator('#status').getAttribute(`data-${key}`));
}

// Needs Debian's Chromium, the bundled sample and bundled networks (a P-Net/R-Net pair in weights/).
const weightsDir = process.env['DEEPIGEOS_WEB_WEIGHTS'] ?? join(webRoot, '..', 'weights');
const hasNetworks = ['2d', '3d'].some((dim) => existsSync(join(weightsDir, `pnet${dim}`, 'model.json')) && existsSync(join(weightsDir, `rnet${dim}`, 'model.json')));
describe.skipIf(!hasChromium() || !existsSync(sampleDir) || !hasNetworks)('web app in headless Chromium', () => {
  it('loads the sample, segments, refines a scribble, undoes, downloads aligned masks, opens files', async () => {
    const work = mkdtempSync(join(tmpdir(), 'deepigeos-web-'));
    try {
      await withApp(work, undefined, async (page) => {
        await page.click('#load-sample');
        await waitIdle(page);
        const backend = await page.locator('#status').getAttribute('data-backend');
        expect(backend).toBe('wasm');

        await page.click('#segment');
        await waitIdle(page);
        const afterPnet = await statusNumber(page, 'mask-voxels');
        expect(afterPnet).toBeGreaterThan(0);
        const source = await readNifti(sampleFile(false));
        const pnetMask = await downloadMask(page, work);

        // A scribble through the lesion's centre on its largest axial slice: foreground if P-Net
        // missed any voxel of the stroke's centre line (the usual correction), else background.
        // Either way the seeds are hard constraints, so the refined mask must differ from P-Net's.
        const target = await tumourTarget();
        const [, H, W] = target.shape as [number, number, number];
        const row = H - 1 - target.h;
        const line = Array.from({ length: 7 }, (_, k) => (target.slice * H + target.h) * W + target.w - 3 + k);
        const pnetData = pnetMask.data as Uint8Array;
        const label = line.some((v) => pnetData[v] === 0) ? 'foreground' : 'background';
        const seedsKey = `${label}-seeds`;
        const { canvas, box, toPage } = await strokeAxial(page, label, target.slice, row, target.w - 3, target.w + 3, target.shape);
        const strokeSeeds = await statusNumber(page, seedsKey);
        expect(strokeSeeds).toBeGreaterThan(0);
        // The view draws the seed in its label's colour where the stroke passed.
        const [px, py] = toPage(target.w);
        const pixel = await canvas.evaluate(
          (c: HTMLCanvasElement, [x, y]) => Array.from(c.getContext('2d')!.getImageData(x, y, 1, 1).data),
          [Math.floor(px - box.x), Math.floor(py - box.y)],
        );
        expect(pixel).toEqual(label === 'foreground' ? [40, 220, 40, 255] : [40, 120, 255, 255]);
        // Alt+click navigates: the coronal and sagittal views jump to the clicked voxel's h and w.
        await page.keyboard.down('Alt');
        await page.mouse.click(px, py);
        await page.keyboard.up('Alt');
        expect(await page.locator('figure[data-plane="coronal"] input[type="range"]').inputValue()).toBe(String(target.h));
        expect(await page.locator('figure[data-plane="sagittal"] input[type="range"]').inputValue()).toBe(String(target.w));
        expect(await statusNumber(page, seedsKey)).toBe(strokeSeeds);

        await page.click('#refine');
        await waitIdle(page);
        const afterRefine = await statusNumber(page, 'mask-voxels');

        mkdirSync(screenshotDir, { recursive: true });
        await page.screenshot({ path: join(screenshotDir, 'app-refined.png'), fullPage: true });

        const mask = await downloadMask(page, work);
        expect(mask.dims).toEqual(source.dims);
        expect(mask.affine).toEqual(source.affine);
        const maskData = mask.data as Uint8Array;
        expect(maskData.reduce((a, b) => a + b, 0)).toBe(afterRefine);
        for (const v of line) expect(maskData[v]).toBe(label === 'foreground' ? 1 : 0);
        expect(Array.from(maskData)).not.toEqual(Array.from(pnetData));

        await page.click('#undo');
        expect(await statusNumber(page, 'mask-voxels')).toBe(afterPnet);
        await page.click('#undo');
        expect(await statusNumber(page, seedsKey)).toBe(0);

        // The file picker with a non-canonical (x-flipped) copy: the mask must come back on the
        // copy's own grid and affine, i.e. equal to the sample's P-Net mask flipped.
        const flippedFile = join(work, 'flipped_flair.nii.gz');
        await writeFlippedSample(source, flippedFile);
        await page.setInputFiles('#file', flippedFile);
        await waitIdle(page);
        await page.click('#segment');
        await waitIdle(page);
        const flippedMask = await downloadMask(page, work);
        const flippedSource = await readNifti(flippedFile);
        expect(flippedMask.affine).toEqual(flippedSource.affine);
        expect(flipX(flippedMask.data as Uint8Array, source.dims[0]!)).toEqual(Array.from(pnetMask.data as Uint8Array));

        // A file that is not NIfTI: a clear error, the app stays usable.
        const bogus = join(work, 'notes.nii');
        writeFileSync(bogus, 'not a NIfTI file at all, just text');
        await page.setInputFiles('#file', bogus);
        await waitIdle(page, true);
        expect(await page.locator('#message').textContent()).toMatch(/^Loading notes\.nii failed: .*(NIfTI|header|sizeof_hdr)/i);
        expect(await page.locator('#segment').isDisabled()).toBe(false);

        const timings = (await page.locator('#timings li').allTextContents()).join('\n');
        console.log(`backend ${backend}; P-Net mask ${afterPnet} voxels, refined ${afterRefine}\n${timings}`);
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);

  it('runs 3D networks on the volume: one session with an ROI, seeds kept as hard constraints', async () => {
    // Untrained (randomly initialised) 3D P-Net/R-Net of the paper's architecture: this checks the
    // 3D code path (ROI session, 3D seeds, download), not segmentation quality.
    const work = mkdtempSync(join(tmpdir(), 'deepigeos-web3d-'));
    try {
      await tf.setBackend('cpu');
      for (const [name, model] of [
        ['pnet3d', createPNet3D({ inputChannels: 1, numClasses: 2 })],
        ['rnet3d', createRNet3D({ imageChannels: 1 })],
      ] as const) {
        await saveModel(model, join(work, 'weights', name));
        writeFileSync(join(work, 'weights', name, 'config.json'), JSON.stringify({ dim: 3, preprocess: { cropMargin: 2 } }));
      }
      // Served cross-origin isolated: tfjs' threaded wasm build would hang here once bundled
      // (pnet's initBackend keeps it off); geodesic maps may then use two threads.
      await withApp(work, join(work, 'weights'), async (page) => {
        expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
        await page.click('#load-sample');
        await waitIdle(page);
        expect(await page.locator('#backend').textContent()).toBe('wasm (3D P-Net + R-Net)');
        await page.click('#segment');
        await waitIdle(page);
        const target = await tumourTarget();
        const [, H, W] = target.shape as [number, number, number];
        const row = H - 1 - target.h;
        await page.locator('#brush-radius').fill('0');
        await strokeAxial(page, 'foreground', target.slice, row, target.w - 4, target.w - 1, target.shape);
        await strokeAxial(page, 'background', target.slice, row, target.w + 1, target.w + 4, target.shape);
        await page.click('#refine');
        await waitIdle(page);
        const timings = JSON.parse((await page.locator('#status').getAttribute('data-last-timings'))!);
        expect(Object.keys(timings).sort()).toEqual(['encode', 'rnet', 'total']);
        const mask = (await downloadMask(page, work)).data as Uint8Array;
        for (let k = 1; k <= 4; k++) {
          expect(mask[(target.slice * H + target.h) * W + target.w - k]).toBe(1);
          expect(mask[(target.slice * H + target.h) * W + target.w + k]).toBe(0);
        }
      }, { crossOriginIsolated: true });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);

  it('works from the dev server (`npm run web:dev`: unbundled modules, cross-origin isolated)', async () => {
    const server = await createServer({ configFile: join(webRoot, 'vite.config.ts'), logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
    await server.listen();
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(server.resolvedUrls!.local[0]!);
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
      await page.click('#load-sample');
      await waitIdle(page);
      await page.click('#segment');
      await waitIdle(page);
      expect(await statusNumber(page, 'mask-voxels')).toBeGreaterThan(0);
      // A module that imports node:fs (the CLI's VOC decoders) once reached the page here.
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 240_000);
});
