// Seed helpers and normalisations (pure TypeScript; backend-independent).
import { describe, expect, it } from 'vitest';
import { GeodesicRangeError, GeodesicTypeError, normalizeExp, normalizeZScore, seedsFromPoints, seedsFromStrokes } from '../../src/index.js';

const indices = (mask: Uint8Array) => [...mask.keys()].filter((i) => mask[i]);

describe('seedsFromPoints', () => {
  it('marks single voxels in 2D and 3D', () => {
    expect(indices(seedsFromPoints([3, 4], [[1, 2]]))).toEqual([6]);
    expect(indices(seedsFromPoints([2, 3, 4], [[1, 2, 3], [0, 0, 0]]))).toEqual([0, 23]);
  });

  it('marks a ball of radius in mm, respecting spacing', () => {
    const m = seedsFromPoints([1, 5, 9], [[0, 2, 4]], { radius: 2, spacing: [1, 1, 2] });
    // within 2 mm: w ± 1 voxel (2 mm each), h ± 2 voxels (1 mm), diagonals (1,1): √(1+4) > 2 excluded
    expect(indices(m)).toEqual([4, 13, 21, 22, 23, 31, 40]);
  });

  it('rounds fractional points and adds into an existing mask', () => {
    const into = new Uint8Array(12);
    into[0] = 1;
    const m = seedsFromPoints([3, 4], [[1.2, 2.7]], { into });
    expect(m).toBe(into);
    expect(indices(m)).toEqual([0, 7]);
  });

  it('rejects points outside the shape and bad options', () => {
    expect(() => seedsFromPoints([3, 4], [[3, 0]])).toThrow(GeodesicRangeError);
    expect(() => seedsFromPoints([3, 4], [[0, -1]])).toThrow(/points\[0\]/);
    expect(() => seedsFromPoints([3, 4], [[0, 0, 0]])).toThrow(GeodesicTypeError);
    expect(() => seedsFromPoints([3, 4], [[0, 0]], { radius: -1 })).toThrow(/options\.radius/);
    expect(() => seedsFromPoints([3, 4], [[0, 0]], { spacing: [1, 0] })).toThrow(/options\.spacing/);
    expect(() => seedsFromPoints([3, 4], [[0, 0]], { into: new Uint8Array(3) })).toThrow(/options\.into/);
  });
});

describe('seedsFromStrokes', () => {
  it('rasterises a polyline without gaps (8-connected) through every listed point', () => {
    const m = seedsFromStrokes([10, 10], [[[0, 0], [9, 3], [2, 9]]]);
    const marked = indices(m).map((i) => [Math.floor(i / 10), i % 10] as const);
    for (const [h, w] of [[0, 0], [9, 3], [2, 9]]) expect(m[h! * 10 + w!]).toBe(1);
    // connectivity: flood fill from the first voxel over 8-neighbours reaches every marked voxel
    const seen = new Set([0]);
    const stack = [0];
    while (stack.length) {
      const i = stack.pop()!;
      const [h, w] = [Math.floor(i / 10), i % 10];
      for (const [a, b] of marked) if (Math.abs(a - h) <= 1 && Math.abs(b - w) <= 1 && !seen.has(a * 10 + b)) {
        seen.add(a * 10 + b);
        stack.push(a * 10 + b);
      }
    }
    expect(seen.size).toBe(marked.length);
  });

  it('draws a straight 3D stroke voxel by voxel', () => {
    const m = seedsFromStrokes([4, 4, 4], [[[0, 0, 0], [3, 3, 3]]]);
    expect(indices(m)).toEqual([0, 21, 42, 63]);
  });

  it('rejects empty strokes and out-of-range points', () => {
    expect(() => seedsFromStrokes([4, 4], [[]])).toThrow(/strokes\[0\]/);
    expect(() => seedsFromStrokes([4, 4], [[[0, 0], [4, 0]]])).toThrow(/strokes\[0\]\[1\]/);
  });
});

describe('normalizeZScore', () => {
  it('uses mean and std of the non-seed voxels', () => {
    const d = Float32Array.of(0, 1, 2, 3);
    const z = normalizeZScore(d);
    const std = Math.sqrt(2 / 3);
    expect([...z].map((x) => +x.toFixed(6))).toEqual([-2 / std, -1 / std, 0, 1 / std].map((x) => +x.toFixed(6)));
  });

  it('maps an empty seed set (all Infinity) to zeros, and all-seed maps to zeros', () => {
    expect([...normalizeZScore(new Float32Array(4).fill(Number.POSITIVE_INFINITY))]).toEqual([0, 0, 0, 0]);
    expect([...normalizeZScore(new Float32Array(3))]).toEqual([0, 0, 0]);
  });

  it('rejects maps that are not distance maps', () => {
    expect(() => normalizeZScore(Float32Array.of(1, 2))).toThrow(GeodesicRangeError);
    expect(() => normalizeZScore(Float32Array.of(0, -1))).toThrow(/distance/);
    expect(() => normalizeZScore(Float32Array.of(0, Number.POSITIVE_INFINITY))).toThrow(/unreachable/);
    expect(() => normalizeZScore([0, 1] as never)).toThrow(GeodesicTypeError);
  });
});

describe('normalizeExp', () => {
  it('computes exp(-d/sigma), 0 at Infinity', () => {
    const e = normalizeExp(Float32Array.of(0, 2, Number.POSITIVE_INFINITY), 4);
    expect(e[0]).toBe(1);
    expect(e[1]).toBeCloseTo(Math.exp(-0.5), 7);
    expect(e[2]).toBe(0);
  });

  it('rejects bad sigma and negative distances', () => {
    expect(() => normalizeExp(Float32Array.of(0), 0)).toThrow(/sigma/);
    expect(() => normalizeExp(Float32Array.of(-1), 1)).toThrow(/distance/);
    expect(() => normalizeExp(Float32Array.of(Number.NaN), 1)).toThrow(/distance/);
  });
});
