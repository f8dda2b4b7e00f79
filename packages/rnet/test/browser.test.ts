// The package bundles for browsers and runs the interactive loop there (Debian Chromium).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasChromium, runInChromium } from '../../../scripts/browser-test.mjs';

const entry = join(dirname(fileURLToPath(import.meta.url)), 'browser-entry.ts');

describe.skipIf(!hasChromium())('in Chromium', () => {
  it('segments, refines with geodesic maps on WebAssembly, honours seeds and undoes', async () => {
    const r = (await runInChromium({ entry, timeoutMs: 150_000 })) as {
      tfBackend: string;
      geodesicBackend: string;
      seedCount: number;
      seedsHonoured: boolean;
      undone: boolean;
      restored: boolean;
      round: number;
      timings: Record<string, number>;
      metricsFinite: boolean;
      userAgent: string;
    };
    console.log(`browser: tfjs ${r.tfBackend}, geodesic ${r.geodesicBackend}, 48² refine timings ${JSON.stringify(r.timings)}`);
    expect(r.userAgent).toMatch(/Chrome/);
    expect(r.tfBackend).toBe('wasm');
    expect(r.geodesicBackend).toBe('wasm');
    expect(r.seedCount).toBeGreaterThan(0);
    expect(r.seedsHonoured).toBe(true);
    expect(r.round).toBe(1);
    expect(r.undone).toBe(true);
    expect(r.restored).toBe(true);
    expect(r.metricsFinite).toBe(true);
    for (const stage of ['encode', 'rnet', 'crfFU', 'total']) expect(r.timings[stage]).toBeGreaterThan(0);
  }, 200_000);
});
