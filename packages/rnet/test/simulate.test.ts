import { describe, expect, it } from 'vitest';
import { labelComponents } from '../src/components.js';
import { OptionError, ShapeError } from '../src/errors.js';
import type { GridShape } from '../src/grid.js';
import { createRng } from '../src/rng.js';
import { simulateInteractions } from '../src/simulate.js';

/** Paints axis-aligned boxes [lo, hi) into a mask of the given shape. */
function boxes(shape: number[], list: [number[], number[]][]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    let r = i;
    const c: number[] = [];
    for (let a = shape.length - 1; a >= 0; a--) {
      c.unshift(r % shape[a]!);
      r = Math.floor(r / shape[a]!);
    }
    for (const [lo, hi] of list) if (c.every((v, k) => v >= lo[k]! && v < hi[k]!)) m[i] = 1;
  }
  return m;
}

/** Reference labelling: union-find over all voxel pairs within the neighbourhood (brute force). */
function unionFindSizes(mask: Uint8Array, shape: number[], full: boolean): number[] {
  const parent = Array.from(mask, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const coords = (i: number) => {
    const c: number[] = [];
    for (let a = shape.length - 1; a >= 0; a--) {
      c.unshift(i % shape[a]!);
      i = Math.floor(i / shape[a]!);
    }
    return c;
  };
  for (let i = 0; i < mask.length; i++) {
    for (let j = i + 1; j < mask.length; j++) {
      if (!mask[i] || !mask[j]) continue;
      const d = coords(i).map((v, k) => Math.abs(v - coords(j)[k]!));
      const touch = full ? Math.max(...d) === 1 : d.reduce((a, b) => a + b, 0) === 1;
      if (touch) parent[find(i)] = find(j);
    }
  }
  const sizes = new Map<number, number>();
  for (let i = 0; i < mask.length; i++) if (mask[i]) sizes.set(find(i), (sizes.get(find(i)) ?? 0) + 1);
  return [...sizes.values()].sort((a, b) => a - b);
}

describe('labelComponents', () => {
  it('matches brute-force union-find on random 2D and 3D masks', () => {
    const shapes: GridShape[] = [
      [9, 11],
      [4, 6, 7],
    ];
    for (const shape of shapes) {
      const rng = createRng(shape.length).next;
      const mask = Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng() < 0.45 ? 1 : 0));
      for (const full of [false, true]) {
        const { voxels } = labelComponents(mask, shape, full ? 'full' : 'face');
        expect(voxels.map((v) => v.length).sort((a, b) => a - b)).toEqual(unionFindSizes(mask, [...shape], full));
      }
    }
  });

  it('separates diagonal neighbours with face connectivity and joins them with full', () => {
    const m = Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(labelComponents(m, [3, 3], 'face').voxels.length).toBe(3);
    expect(labelComponents(m, [3, 3], 'full').voxels.length).toBe(1);
  });
  it('connects regions across slices in 3D', () => {
    // Two 1-voxel-thick plates on consecutive slices, touching through a face: one component.
    const m = boxes([3, 4, 4], [
      [[0, 0, 0], [1, 2, 4]],
      [[1, 1, 0], [2, 4, 4]],
    ]);
    const { voxels } = labelComponents(m, [3, 4, 4]);
    expect(voxels.length).toBe(1);
    expect(voxels[0]!.length).toBe(8 + 12);
  });
});

describe('simulateInteractions', () => {
  // Ground truth: a 12×12 square. Prediction misses a 12×4 strip (48 voxels, → 1 fg click),
  // leaks a separate 15×11 block (165 voxels → 2 bg clicks) and a 5×5 speck (25 < 30 → none).
  const shape = [40, 40] as const;
  const truth = boxes([...shape], [[[2, 2], [14, 14]]]);
  const prediction = boxes([...shape], [
    [[2, 2], [14, 10]],
    [[20, 20], [35, 31]],
    [[2, 30], [7, 35]],
  ]);

  it('finds each error region and places 0 or ⌈N/100⌉ seeds inside it', () => {
    const sim = simulateInteractions({ prediction, groundTruth: truth, shape, rng: 3 });
    const summary = sim.regions.map((r) => [r.kind, r.size, r.seedCount, r.seedVoxels.length]);
    expect(summary).toEqual([
      ['under', 48, 1, 1],
      ['over', 25, 0, 0],
      ['over', 165, 2, 2],
    ]);
    for (let i = 0; i < truth.length; i++) {
      if (sim.fgSeeds[i]) expect(truth[i] === 1 && prediction[i] === 0).toBe(true);
      if (sim.bgSeeds[i]) expect(truth[i] === 0 && prediction[i] === 1).toBe(true);
    }
    expect(sim.fgSeeds.reduce((a, b) => a + b, 0)).toBe(1);
    expect(sim.bgSeeds.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('applies the size rule at its boundaries (29, 30, 100, 101, 250 voxels)', () => {
    for (const [n, expected] of [
      [29, 0],
      [30, 1],
      [100, 1],
      [101, 2],
      [250, 3],
    ] as const) {
      const gt = new Uint8Array(400);
      gt.fill(1, 0, n); // a run of n voxels along the first rows: one face-connected region
      const sim = simulateInteractions({ prediction: new Uint8Array(400), groundTruth: gt, shape: [20, 20], rng: n });
      expect(sim.regions).toHaveLength(1);
      expect(sim.regions[0]!.seedCount).toBe(expected);
      expect(sim.fgSeeds.reduce((a, b) => a + b, 0)).toBe(expected);
    }
  });

  it('uses 3D components: a region spread over slices counts once', () => {
    // 8 slices of 2×2 = 32 voxels, each slice alone below 30: only a 3D rule seeds it.
    const s3 = [10, 6, 6] as const;
    const gt = boxes([...s3], [[[1, 2, 2], [9, 4, 4]]]);
    const sim = simulateInteractions({ prediction: new Uint8Array(gt.length), groundTruth: gt, shape: s3, rng: 1 });
    expect(sim.regions.map((r) => [r.size, r.seedCount])).toEqual([[32, 1]]);
  });

  it('is reproducible for the same seed and differs for another', () => {
    const big = boxes([...shape], [[[0, 0], [30, 30]]]);
    const a = simulateInteractions({ prediction: new Uint8Array(1600), groundTruth: big, shape, rng: 42 });
    const b = simulateInteractions({ prediction: new Uint8Array(1600), groundTruth: big, shape, rng: 42 });
    const c = simulateInteractions({ prediction: new Uint8Array(1600), groundTruth: big, shape, rng: 43 });
    expect([...a.fgSeeds]).toEqual([...b.fgSeeds]);
    expect([...a.fgSeeds]).not.toEqual([...c.fgSeeds]);
    expect(a.regions[0]!.seedCount).toBe(9);
  });

  it('draws scribbles as in-plane strokes confined to their region', () => {
    const s3 = [4, 30, 30] as const;
    const gt = boxes([...s3], [[[0, 5, 5], [4, 25, 25]]]);
    const sim = simulateInteractions({
      prediction: new Uint8Array(gt.length),
      groundTruth: gt,
      shape: s3,
      rng: 5,
      mode: 'scribbles',
      strokeLength: 7,
    });
    const region = sim.regions[0]!;
    expect(region.seedCount).toBe(16); // ⌈1600 / 100⌉ strokes
    // Strokes of up to 7 voxels: more seed voxels than strokes, all inside the missed region.
    expect(region.seedVoxels.length).toBeGreaterThan(region.seedCount);
    expect(region.seedVoxels.length).toBeLessThanOrEqual(16 * 7);
    for (const v of region.seedVoxels) expect(gt[v]).toBe(1);
  });

  it('rejects bad input with typed errors', () => {
    expect(() => simulateInteractions({ prediction: new Uint8Array(10), groundTruth: truth, shape })).toThrow(ShapeError);
    expect(() => simulateInteractions({ prediction, groundTruth: truth, shape, mode: 'taps' as 'clicks' })).toThrow(OptionError);
    expect(() => simulateInteractions({ prediction, groundTruth: truth, shape: [40, 41] })).toThrow(/prediction has 1600 values; expected 1640/);
  });
});
