// Native and WASM builds of the same core give bit-identical maps on every test input.
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/loader-node.js';
import type { GeodesicMethod } from '../../src/types.js';
import { validateRequest } from '../../src/validate.js';
import { allCases } from '../cases.js';

describe('native vs wasm', async () => {
  const native = await loadBackend('native');
  const wasm = await loadBackend('wasm');

  it('loaded the two different backends', () => {
    expect([native.name, wasm.name]).toEqual(['native', 'wasm']);
  });

  for (const c of allCases()) {
    for (const method of ['raster', 'raster-causal', 'exact'] as GeodesicMethod[]) {
      it(`${c.name}, ${method}: identical bits`, () => {
        const request = validateRequest(c.image, c.seeds, c.shape, { ...c.options, method });
        const a = native.compute(request);
        const b = wasm.compute(request);
        expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      });
    }
  }

  it('a 64×64×48 volume with a real-looking gradient: identical bits, every method', () => {
    const shape = [48, 64, 64] as const;
    const n = 48 * 64 * 64;
    const image = new Float32Array(n).map((_, i) => 100 * Math.sin(i * 0.013) + ((i * 2654435761) % 97));
    const seeds = new Uint8Array(n);
    seeds[n >> 1] = 1;
    for (const method of ['raster', 'raster-causal', 'exact'] as GeodesicMethod[]) {
      const request = validateRequest(image, seeds, shape, { method, spacing: [1.5, 1, 0.9] });
      expect(Buffer.from(native.compute(request).buffer).equals(Buffer.from(wasm.compute(request).buffer))).toBe(true);
    }
  });

  it("'exact' on a volume large enough for the native build's two threads (1 M voxels): identical bits", () => {
    // Native splits this volume into two slabs solved concurrently; WASM runs one thread. Seeds
    // in one slab only, so every path into the other crosses the split as messages.
    const shape = [16, 256, 256] as const;
    const n = 16 * 256 * 256;
    const image = new Float32Array(n).map((_, i) => 80 * Math.sin(i * 0.0007) + ((i * 2654435761) % 31));
    const seeds = new Uint8Array(n);
    seeds[3 * 256 * 256 + 40 * 256 + 200] = 1;
    seeds[5 * 256 * 256 + 250 * 256 + 3] = 1;
    for (const lambda of [1, 0.4]) {
      const request = validateRequest(image, seeds, shape, { method: 'exact', lambda });
      const threaded = Buffer.from(native.compute(request).buffer);
      expect(threaded.equals(Buffer.from(wasm.compute(request).buffer))).toBe(true);
      // DEEPIGEOS_GEODESIC_THREADS=1 keeps the addon on one thread: same bits.
      process.env.DEEPIGEOS_GEODESIC_THREADS = '1';
      try {
        expect(threaded.equals(Buffer.from(native.compute(request).buffer))).toBe(true);
      } finally {
        delete process.env.DEEPIGEOS_GEODESIC_THREADS;
      }
    }
  });
});
