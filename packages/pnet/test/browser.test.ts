// The package bundles for browsers and behaves there as in Node (Debian Chromium, wasm backend).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, runInChromium } from '../../../scripts/browser-test.mjs';
import { packageDir } from './fixtures.js';

const entry = join(packageDir, 'test', 'browser-entry.ts');
const webglEntry = join(packageDir, 'test', 'webgl-entry.ts');
const threadsEntry = join(packageDir, 'test', 'browser-threads-entry.ts');

describe.skipIf(!hasChromium())('in Chromium', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
  }, 120_000);
  it('the built package bundles (Vite), picks the wasm backend and its WebAssembly SIMD convolutions, matches PyTorch logits on them and on tfjs kernels, trains and checkpoints to IndexedDB (optimizer state included)', async () => {
    const r = (await runInChromium({ entry, timeoutMs: 150_000 })) as {
      backend: string;
      active: string;
      defaultImplementation: string;
      parity: Record<string, { implementation: string; maxDiff: number; forwardMs: number }>;
      firstLoss: number;
      lastLoss: number;
      checkpointMaxDiff: number;
      resumeMaxDiff: number;
      optimizerClass: string;
      userAgent: string;
    };
    const times = Object.entries(r.parity).map(([k, v]) => `${k} (${v.implementation}) ${v.forwardMs.toFixed(0)} ms`);
    console.log(`browser: backend ${r.backend}, 3D P-Net forward: ${times.join(', ')}; loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}`);
    expect(r.userAgent).toMatch(/Chrome/);
    // No WebGL/WebGPU backend is imported here, so the browser order falls through to wasm.
    expect(r.backend).toBe('wasm');
    expect(r.active).toBe('wasm');
    expect(r.defaultImplementation).toBe('wasm-simd');
    expect(Object.keys(r.parity).sort()).toEqual(['pnet3d_c1 auto', 'pnet3d_c1 tfjs', 'pnet3d_c4 auto', 'pnet3d_c4 tfjs']);
    for (const [key, p] of Object.entries(r.parity)) {
      expect(p.implementation, key).toBe(key.endsWith('tfjs') ? 'tfjs' : 'wasm-simd');
      expect(p.maxDiff, key).toBeLessThan(1e-4);
    }
    expect(r.lastLoss).toBeLessThan(r.firstLoss * 0.9);
    expect(r.checkpointMaxDiff).toBe(0);
    expect(r.optimizerClass).toBe('Adam');
    expect(r.resumeMaxDiff).toBeLessThan(1e-6);
  }, 200_000);

  it('WebGL (SwiftShader) keeps working for the nets: P-Net and R-Net logits on webgl equal those on wasm to 1e-3', async () => {
    const r = (await runInChromium({ entry: webglEntry, timeoutMs: 150_000 })) as Record<
      string,
      { maxDiff: number; maxAbs: number; wasm: string; webgl: string; backend: string }
    >;
    console.log(`webgl vs wasm: ${Object.entries(r).map(([k, v]) => `${k} ${v.maxDiff.toExponential(1)}`).join(', ')}`);
    expect(Object.keys(r)).toEqual(['pnet3d_c1', 'pnet3d_c4']);
    for (const [name, v] of Object.entries(r)) {
      expect(v.backend, name).toBe('webgl');
      expect([v.wasm, v.webgl], name).toEqual(['wasm-simd', 'tfjs']);
      expect(v.maxAbs, name).toBeGreaterThan(0.5); // not a comparison of zeros
      expect(v.maxDiff, name).toBeLessThan(1e-3);
    }
  }, 200_000);

  it('cross-origin-isolated page: the WebAssembly kernels run on Web Worker threads (wasm-simd-threads), match PyTorch, and a training step equals the one-thread step', async () => {
    const r = (await runInChromium({ entry: threadsEntry, timeoutMs: 150_000, crossOriginIsolated: true })) as {
      crossOriginIsolated: boolean;
      implementation: string;
      parity: Record<string, number>;
      stepKinds: string[];
      stepMaxDiff: number;
    };
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.implementation).toBe('wasm-simd-threads');
    expect(Object.keys(r.parity)).toEqual(['pnet3d_c1', 'pnet3d_c4']);
    for (const [net, diff] of Object.entries(r.parity)) expect(diff, net).toBeLessThan(1e-4);
    expect(r.stepKinds).toEqual(['wasm-simd-threads', 'wasm-simd']);
    expect(r.stepMaxDiff).toBeLessThan(1e-5);
  }, 200_000);
});
