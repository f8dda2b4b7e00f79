// The threaded WASM build in Chromium's Web Worker: two threads when the page is cross-origin
// isolated (COOP/COEP), one thread otherwise; the maps equal Node's native backend bit for bit.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInChromium } from '../../../../scripts/browser-test.mjs';
import { loadBackend } from '../../src/loader-node.js';
import { validateRequest } from '../../src/validate.js';
import { digest, threadsInput } from './threads-input.js';

interface PageResult {
  crossOriginIsolated: boolean;
  results: Record<'exact' | 'raster', { digest: string; equalsSync: boolean; helperTasks: number }>;
}

const entry = fileURLToPath(new URL('./browser-threads-entry.ts', import.meta.url));

describe('geodesicDistanceAsync in Chromium on a volume split by default', async () => {
  const native = await loadBackend('native');
  const { image, seeds, shape } = threadsInput();
  const want = Object.fromEntries(
    (['exact', 'raster'] as const).map((method) => [method, digest(native.compute(validateRequest(image, seeds, shape, { method, spacing: [2, 1, 1] })))]),
  );

  it('cross-origin isolated: the helper in a nested worker takes a share of each map; same bits as native', async () => {
    const r = (await runInChromium({ entry, crossOriginIsolated: true })) as PageResult;
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.results.exact.helperTasks).toBeGreaterThanOrEqual(1);
    expect(r.results.raster.helperTasks).toBe(r.results.exact.helperTasks + 1); // the wavefront's second thread
    for (const method of ['exact', 'raster'] as const) {
      expect(r.results[method].digest).toBe(want[method]);
      expect(r.results[method].equalsSync).toBe(true); // the page's single-threaded build
    }
  });

  it('not isolated: one thread (the helper never runs), same bits as native', async () => {
    const r = (await runInChromium({ entry })) as PageResult;
    expect(r.crossOriginIsolated).toBe(false);
    for (const method of ['exact', 'raster'] as const) {
      expect(r.results[method].helperTasks).toBe(0);
      expect(r.results[method].digest).toBe(want[method]);
      expect(r.results[method].equalsSync).toBe(true);
    }
  });
});

it('a browser helper worker that fails to start: a GeodesicBackendError at once (the caller then loads the single-threaded build), no hang', async () => {
  const failureEntry = fileURLToPath(new URL('./browser-helper-failure-entry.ts', import.meta.url));
  const r = (await runInChromium({ entry: failureEntry, crossOriginIsolated: true })) as {
    crossOriginIsolated: boolean;
    fellBack: { threads: number; corner: number };
    badModule: { rejected: boolean; name: string; message: string; ms: number };
    uncloneable: { rejected: boolean; name: string; message: string; ms: number };
  };
  expect(r.crossOriginIsolated).toBe(true);
  for (const failure of [r.badModule, r.uncloneable]) {
    expect(failure.rejected).toBe(true);
    expect(failure.name).toBe('GeodesicBackendError');
    expect(failure.message).toMatch(/helper thread did not start/);
    expect(failure.ms).toBeLessThan(5000); // the failure is reported, not waited out (10 s timeout)
  }
  expect(r.fellBack.threads).toBe(1);
  expect(r.fellBack.corner).toBeCloseTo(63 * Math.SQRT2, 3);
});

