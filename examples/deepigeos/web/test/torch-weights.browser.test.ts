// The web app built with PyTorch run folders (examples/torch/train.py: config.json +
// best/model.safetensors) as its networks: it loads them with no conversion and segments with them
// in headless Chromium.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPNet2D, exportTorchStateDict } from '@deepigeos/pnet';
import { createRNet2D } from '@deepigeos/rnet';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, serveStatic } from '../../../../scripts/browser-test.mjs';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const sampleDir = process.env['DEEPIGEOS_WEB_SAMPLE'] ?? join(webRoot, '..', 'sample');
const hasSample = existsSync(sampleDir) && (readdirSync(sampleDir, { recursive: true }) as string[]).some((f) => f.endsWith('.nii.gz'));

describe.skipIf(!hasChromium() || !hasSample)('web app with PyTorch weights', () => {
  it('builds the 2D P-Net/R-Net from model.safetensors run folders and segments with them', async () => {
    const work = mkdtempSync(join(tmpdir(), 'deepigeos-web-torch-'));
    const before = process.env['DEEPIGEOS_WEB_WEIGHTS'];
    try {
      await tf.setBackend('cpu');
      // Run folders as train.py writes them (weights in PyTorch layout via exportTorchStateDict).
      for (const [name, model] of [
        ['pnet2d', createPNet2D({ inputChannels: 1, numClasses: 2, channels: 8 })],
        ['rnet2d', createRNet2D({ imageChannels: 1, channels: 8 })],
      ] as const) {
        mkdirSync(join(work, 'weights', name, 'best'), { recursive: true });
        writeFileSync(join(work, 'weights', name, 'best', 'model.safetensors'), exportTorchStateDict(model));
        writeFileSync(join(work, 'weights', name, 'config.json'), JSON.stringify({ dim: 2, sliceAxis: 0, dropout: 0.5, preprocess: { cropMargin: 2 } }));
      }
      process.env['DEEPIGEOS_WEB_WEIGHTS'] = join(work, 'weights');
      await build({ configFile: join(webRoot, 'vite.config.ts'), logLevel: 'error', build: { outDir: join(work, 'site'), emptyOutDir: true } });
      const server = await serveStatic(join(work, 'site'), { crossOriginIsolated: false });
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        await page.goto(server.url);
        const idle = async () => {
          await page.waitForFunction(() => document.getElementById('status')?.dataset['state'] === 'idle', null, { timeout: 120_000 });
          expect(await page.locator('#status').getAttribute('data-error')).toBeFalsy();
        };
        await page.click('#load-sample');
        await idle();
        expect(await page.locator('#backend').textContent()).toMatch(/2D P-Net \+ R-Net/);
        await page.click('#segment');
        await idle();
        expect(pageErrors).toEqual([]);
      } finally {
        await browser.close();
        server.close();
      }
    } finally {
      if (before === undefined) delete process.env['DEEPIGEOS_WEB_WEIGHTS'];
      else process.env['DEEPIGEOS_WEB_WEIGHTS'] = before;
      rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);
});
