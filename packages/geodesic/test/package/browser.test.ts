// The browser build runs in Debian's headless Chromium and matches Node's numbers bit for bit.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runInChromium } from '../../../../scripts/browser-test.mjs';
import { loadBackend } from '../../src/loader-node.js';
import { validateRequest } from '../../src/validate.js';

it('computes in Chromium through the browser export condition, equal to Node', async () => {
  const entry = fileURLToPath(new URL('./browser-entry.ts', import.meta.url));
  const r = (await runInChromium({ entry })) as { backend: string; corner: number; exactSum: number; rasterSum: number; exactHead: number[]; workerEqual: boolean };
  expect(r.backend).toBe('wasm');
  expect(r.workerEqual).toBe(true); // geodesicDistanceAsync in a Web Worker
  expect(r.corner).toBeCloseTo(63 * Math.SQRT2, 3); // float32 sum of 63 steps
  const [H, W] = [64, 64];
  const image = new Float32Array(H * W).map((_, i) => ((i * 37) % 11) * 3);
  const seeds = new Uint8Array(H * W);
  seeds[0] = 1;
  const node = await loadBackend('native');
  const exact = node.compute(validateRequest(image, seeds, [H, W], { method: 'exact' }));
  expect(r.exactHead).toEqual(Array.from(exact.subarray(0, 64)));
  expect(r.exactSum).toBe(exact.reduce((a, b) => a + b, 0));
  const raster = node.compute(validateRequest(image, seeds, [H, W], { method: 'raster' }));
  expect(r.rasterSum).toBe(raster.reduce((a, b) => a + b, 0));
}, 180_000);
