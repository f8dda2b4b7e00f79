// The layers and the lattice bundle for browsers and give the same numbers in Chromium as in Node.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { hasChromium, runInChromium } from '../../../scripts/browser-test.mjs';
import '../src/index.js'; // Node: loads the kernels at import
import { runCase } from './browser-case.js';

const entry = join(dirname(fileURLToPath(import.meta.url)), 'browser-entry.ts');

describe.skipIf(!hasChromium())('in Chromium', () => {
  it('runs CRF-Net(fu), the dense CRF and the lattice on the wasm backend, on the TypeScript loops before ready() and the crf-rnn kernels after, both matching Node', async () => {
    type Case = Awaited<ReturnType<typeof runCase>>;
    const browser = (await runInChromium({ entry, timeoutMs: 90_000 })) as Case & { beforeReady: Case; userAgent: string; backendError: string };
    await tf.setBackend('wasm');
    const node = await runCase();
    expect(browser.userAgent).toMatch(/Chrome/);
    expect(browser.backendError).toBe('');
    expect(browser.backend).toBe('wasm');
    expect(browser.kernels).toBe('wasm');
    expect(node.kernels).toBe('wasm');
    expect(browser.beforeReady.kernels).toBe('typescript');
    for (const run of [browser, browser.beforeReady]) {
      expect(run.seedsHonoured).toBe(true);
      for (const key of ['crfNetFU', 'denseCrf', 'lattice'] as const) {
        expect(run[key]).toHaveLength(node[key].length);
        for (const [i, v] of run[key].entries()) expect(Math.abs(v - node[key][i]!), `${run.kernels} ${key}[${i}]`).toBeLessThan(2e-3);
      }
    }
  }, 150_000);
});
