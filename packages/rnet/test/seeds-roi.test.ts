import { describe, expect, it } from 'vitest';
import { SeedError, ShapeError } from '../src/errors.js';
import { cropToRoi, pasteFromRoi, validateRoi } from '../src/roi.js';
import { countSeeds, toSeedMask } from '../src/seeds.js';

describe('toSeedMask', () => {
  it('accepts points in axis order and masks', () => {
    const m = toSeedMask(
      [
        [0, 1],
        [2, 3],
      ],
      [3, 4],
    );
    expect([...m.keys()].filter((i) => m[i])).toEqual([1, 11]);
    const m3 = toSeedMask([[1, 2, 0]], [2, 3, 4]);
    expect(m3[1 * 12 + 2 * 4 + 0]).toBe(1);
    expect(countSeeds(toSeedMask([0, 5, 0, 1], [2, 2]))).toBe(2);
    expect(countSeeds(toSeedMask([], [2, 2]))).toBe(0);
  });
  it('rejects seeds outside the volume, wrong arity and wrong mask length', () => {
    expect(() => toSeedMask([[3, 0]], [3, 4], 'fgSeeds')).toThrow(SeedError);
    expect(() => toSeedMask([[3, 0]], [3, 4], 'fgSeeds')).toThrow(/fgSeeds\[0\] = \[3,0\] lies outside the volume: coordinate 0 must be an integer in \[0, 2\]/);
    expect(() => toSeedMask([[1, -1]], [3, 4])).toThrow(/coordinate 1/);
    expect(() => toSeedMask([[1.5, 1]], [3, 4])).toThrow(SeedError);
    expect(() => toSeedMask([[1, 1, 1]], [3, 4])).toThrow(/must be a point with 2 coordinates/);
    expect(() => toSeedMask(new Uint8Array(5), [3, 4], 'bgSeeds')).toThrow(/bgSeeds as a mask must have 12 values/);
  });
});

describe('ROI crop and paste', () => {
  it('round-trips a 3D box with channels', () => {
    const shape = [3, 4, 5] as const;
    const data = Float32Array.from({ length: 60 * 2 }, (_, i) => i);
    const roi = validateRoi({ start: [1, 1, 2], size: [2, 2, 3] }, shape);
    const crop = cropToRoi(data, shape, roi, 2);
    expect(crop.length).toBe(12 * 2);
    // First box voxel is (1,1,2) → flat 20 + 5 + 2 = 27 → channels 54, 55.
    expect([crop[0], crop[1]]).toEqual([54, 55]);
    const target = new Float32Array(60);
    pasteFromRoi(target, shape, roi, Float32Array.from({ length: 12 }, () => 7));
    expect(target.filter((v) => v === 7).length).toBe(12);
    expect(target[27]).toBe(7);
    expect(target[26]).toBe(0);
  });
  it('rejects boxes that leave the grid', () => {
    expect(() => validateRoi({ start: [0, 3], size: [2, 2] }, [4, 4])).toThrow(ShapeError);
    expect(() => validateRoi({ start: [0, 3], size: [2, 2] }, [4, 4])).toThrow(/roi axis 1: start 3 and size 2/);
    expect(() => validateRoi({ start: [0], size: [2] }, [4, 4])).toThrow(/2 entries each/);
  });
});
