// Native and WASM builds of the same core give bit-identical maps on every test input: the
// addon, the single-threaded WASM build, and the threaded WASM build — on two threads (helper
// worker) with the split threshold lowered so every 3D input of >= 4 planes is split, and kept
// on one thread by DEEPIGEOS_GEODESIC_THREADS=1.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadBackend, loadWasmBackend } from '../../src/loader-node.js';
import type { Backend, GeodesicMethod, GeodesicRequest } from '../../src/types.js';
import { validateRequest } from '../../src/validate.js';
import { createWasmBackend } from '../../src/wasm-backend.js';
import { allCases } from '../cases.js';

const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Runs `fn` with DEEPIGEOS_GEODESIC_THREADS=1 (read on every call by both backends). */
function oneThread<T>(fn: () => T): T {
  process.env.DEEPIGEOS_GEODESIC_THREADS = '1';
  try {
    return fn();
  } finally {
    delete process.env.DEEPIGEOS_GEODESIC_THREADS;
  }
}

describe('native vs wasm', async () => {
  const native = await loadBackend('native');
  const plain = await createWasmBackend(await readFile(new URL('../../wasm/geodesic.wasm', import.meta.url)));
  const threaded = await loadWasmBackend();
  const splitAll = await loadWasmBackend();
  splitAll.setSplit(1, 4);

  /** Every build and thread setting gives the native addon's bits. */
  function expectIdentical(request: GeodesicRequest): void {
    const want = bits(native.compute(request));
    const runs: [string, Backend, boolean][] = [
      ['wasm', plain, false],
      ['threaded wasm', threaded, false],
      ['threaded wasm, split', splitAll, false],
      ['threaded wasm, split, DEEPIGEOS_GEODESIC_THREADS=1', splitAll, true],
      ['native, DEEPIGEOS_GEODESIC_THREADS=1', native, true],
    ];
    for (const [name, b, single] of runs) {
      const got = bits(single ? oneThread(() => b.compute(request)) : b.compute(request));
      expect(got.equals(want), name).toBe(true);
    }
  }

  it('loaded the backends: native, single-threaded wasm, threaded wasm with its helper', () => {
    expect([native.name, plain.name, threaded.name]).toEqual(['native', 'wasm', 'wasm']);
    expect([plain.threads(), threaded.threads(), splitAll.threads()]).toEqual([1, 2, 2]);
  });

  for (const c of allCases()) {
    for (const method of ['raster', 'raster-causal', 'exact'] as GeodesicMethod[]) {
      it(`${c.name}, ${method}: identical bits`, () => {
        expectIdentical(validateRequest(c.image, c.seeds, c.shape, { ...c.options, method }));
      });
    }
  }

  it('the split runs used the helper worker, the one-thread runs did not', () => {
    const tasks = splitAll.helperTasks();
    expect(tasks).toBeGreaterThanOrEqual(8);
    const c = allCases().find((x) => x.name === '3D 6×7×8 centre seed')!;
    const request = validateRequest(c.image, c.seeds, c.shape, { method: 'exact' });
    oneThread(() => splitAll.compute(request));
    expect(splitAll.helperTasks()).toBe(tasks);
    splitAll.compute(request);
    expect(splitAll.helperTasks()).toBe(tasks + 1);
  });

  it('a 64×64×48 volume with a real-looking gradient: identical bits, every method', () => {
    const shape = [48, 64, 64] as const;
    const n = 48 * 64 * 64;
    const image = new Float32Array(n).map((_, i) => 100 * Math.sin(i * 0.013) + ((i * 2654435761) % 97));
    const seeds = new Uint8Array(n);
    seeds[n >> 1] = 1;
    for (const method of ['raster', 'raster-causal', 'exact'] as GeodesicMethod[]) {
      expectIdentical(validateRequest(image, seeds, shape, { method, spacing: [1.5, 1, 0.9] }));
    }
  });

  it("'exact' and 'raster' on a volume large enough for the default two-thread split (1 M voxels): identical bits", () => {
    // Native and threaded WASM split this volume into two slabs solved concurrently. Seeds in
    // one slab only, so every path into the other crosses the split as messages.
    const shape = [16, 256, 256] as const;
    const n = 16 * 256 * 256;
    const image = new Float32Array(n).map((_, i) => 80 * Math.sin(i * 0.0007) + ((i * 2654435761) % 31));
    const seeds = new Uint8Array(n);
    seeds[3 * 256 * 256 + 40 * 256 + 200] = 1;
    seeds[5 * 256 * 256 + 250 * 256 + 3] = 1;
    const before = threaded.helperTasks();
    for (const lambda of [1, 0.4]) expectIdentical(validateRequest(image, seeds, shape, { method: 'exact', lambda }));
    // The raster scan runs as a two-thread wavefront on such volumes too.
    expectIdentical(validateRequest(image, seeds, shape, { method: 'raster' }));
    expect(threaded.helperTasks()).toBe(before + 3);
  });
});
