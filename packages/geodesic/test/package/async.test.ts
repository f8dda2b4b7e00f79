// geodesicDistanceAsync runs on a worker thread (built package: workers load plain JS from dist/).
import { describe, expect, it } from 'vitest';
import * as built from '../../dist/index.js';

describe('geodesicDistanceAsync (Node worker thread)', () => {
  it('rejects before ready(), and validates on the calling thread', async () => {
    await expect(built.geodesicDistanceAsync(new Float32Array(3), new Uint8Array(3), [2, 2])).rejects.toBeInstanceOf(built.GeodesicRangeError);
    await expect(built.geodesicDistanceAsync(new Float32Array(4), new Uint8Array(4), [2, 2])).rejects.toBeInstanceOf(built.GeodesicBackendError);
  });

  it('equals the synchronous result bit for bit, leaves inputs usable, runs requests concurrently', async () => {
    await built.ready();
    const shape = [20, 30, 25] as const;
    const n = 20 * 30 * 25;
    const image = new Float32Array(n).map((_, i) => (i * 7919) % 113);
    const seeds = new Uint8Array(n);
    seeds[n >> 1] = 1;
    const methods = ['raster', 'raster-causal', 'exact'] as const;
    const results = await Promise.all(methods.map((method) => built.geodesicDistanceAsync(image, seeds, shape, { method, spacing: [2, 1, 1] })));
    methods.forEach((method, i) => {
      expect(Buffer.from(results[i]!.buffer).equals(Buffer.from(built.geodesicDistance(image, seeds, shape, { method, spacing: [2, 1, 1] }).buffer))).toBe(true);
    });
    expect(image.length).toBe(n); // not detached
    expect(seeds[n >> 1]).toBe(1);
  });
});
