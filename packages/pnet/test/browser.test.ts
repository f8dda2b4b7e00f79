// The package bundles for browsers and behaves there as in Node (Debian Chromium, wasm backend).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasChromium, runInChromium } from '../../../scripts/browser-test.mjs';
import { packageDir } from './fixtures.js';

const entry = join(packageDir, 'test', 'browser-entry.ts');

describe.skipIf(!hasChromium())('in Chromium', () => {
  it('the built package bundles (Vite), picks the wasm backend, matches PyTorch logits, trains and checkpoints to IndexedDB (optimizer state included)', async () => {
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
    const r = (await runInChromium({ entry, timeoutMs: 150_000 })) as {
      backend: string;
      active: string;
      parityMaxDiff: number;
      forwardMs: number;
      firstLoss: number;
      lastLoss: number;
      checkpointMaxDiff: number;
      resumeMaxDiff: number;
      optimizerClass: string;
      userAgent: string;
    };
    console.log(`browser: backend ${r.backend}, 3D P-Net forward on 9×11×13 ${r.forwardMs.toFixed(0)} ms, loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}`);
    expect(r.userAgent).toMatch(/Chrome/);
    // No WebGL/WebGPU backend is imported here, so the browser order falls through to wasm.
    expect(r.backend).toBe('wasm');
    expect(r.active).toBe('wasm');
    expect(r.parityMaxDiff).toBeLessThan(1e-4);
    expect(r.lastLoss).toBeLessThan(r.firstLoss * 0.9);
    expect(r.checkpointMaxDiff).toBe(0);
    expect(r.optimizerClass).toBe('Adam');
    expect(r.resumeMaxDiff).toBeLessThan(1e-6);
  }, 200_000);
});
