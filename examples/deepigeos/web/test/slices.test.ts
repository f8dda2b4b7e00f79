import { describe, expect, it } from 'vitest';
import { ViewerInputError } from '../src/errors.js';
import { intensityWindow } from '../src/intensity.js';
import { extractSlice, PLANES, sliceGeometry, sliceToVoxel, type VolumeShape, voxelToSlice } from '../src/slices.js';

const shape: VolumeShape = [3, 4, 5];
// Each voxel stores its own flat index d·20 + h·5 + w, so a slice shows where it sampled.
const indices = Float32Array.from({ length: 60 }, (_, i) => i);

describe('orthogonal slices', () => {
  it('axial: fixed d, columns = w, rows = h flipped (written out by hand)', () => {
    expect(Array.from(extractSlice(indices, shape, 'axial', 1))).toEqual([
      35, 36, 37, 38, 39, 30, 31, 32, 33, 34, 25, 26, 27, 28, 29, 20, 21, 22, 23, 24,
    ]);
  });

  it('coronal: fixed h, columns = w, rows = d flipped; sagittal: fixed w, columns = h, rows = d flipped', () => {
    expect(Array.from(extractSlice(indices, shape, 'coronal', 2))).toEqual([50, 51, 52, 53, 54, 30, 31, 32, 33, 34, 10, 11, 12, 13, 14]);
    expect(Array.from(extractSlice(indices, shape, 'sagittal', 4))).toEqual([44, 49, 54, 59, 24, 29, 34, 39, 4, 9, 14, 19]);
  });

  it('agrees with sliceToVoxel for every pixel of every slice of every plane (brute force)', () => {
    const spacing = [3, 2, 1];
    for (const plane of PLANES) {
      const g = sliceGeometry(shape, spacing, plane);
      for (let s = 0; s < g.depth; s++) {
        const slice = extractSlice(indices, shape, plane, s);
        for (let row = 0; row < g.height; row++) {
          for (let col = 0; col < g.width; col++) {
            const [d, h, w] = sliceToVoxel(shape, plane, s, col, row);
            expect(slice[row * g.width + col]).toBe(d * 20 + h * 5 + w);
          }
        }
      }
    }
  });

  it('reports the physical pixel size of each view', () => {
    expect(sliceGeometry(shape, [3, 2, 1], 'axial')).toEqual({ depth: 3, width: 5, height: 4, pixelWidth: 1, pixelHeight: 2 });
    expect(sliceGeometry(shape, [3, 2, 1], 'coronal')).toEqual({ depth: 4, width: 5, height: 3, pixelWidth: 1, pixelHeight: 3 });
    expect(sliceGeometry(shape, [3, 2, 1], 'sagittal')).toEqual({ depth: 5, width: 4, height: 3, pixelWidth: 2, pixelHeight: 3 });
  });

  it('keeps the array type and rejects bad slices, planes and lengths', () => {
    expect(extractSlice(new Uint8Array(60), shape, 'axial', 0)).toBeInstanceOf(Uint8Array);
    expect(() => extractSlice(indices, shape, 'axial', 3)).toThrow(new ViewerInputError('axial slice must be an integer in [0, 2]; got 3'));
    expect(() => extractSlice(indices, shape, 'oblique' as 'axial', 0)).toThrow(/plane must be one of axial, coronal, sagittal/);
    expect(() => extractSlice(indices.subarray(1), shape, 'axial', 0)).toThrow(/has 59 values; shape \[3,4,5\] needs 60/);
  });
});

describe('intensity window', () => {
  it('uses nearest-rank percentiles of the non-zero voxels, ignoring an outlier', () => {
    // 1000 voxels 1..1000, 5000 zeros and one hot voxel: 1001 non-zero values.
    const data = new Float32Array(6001);
    for (let i = 0; i < 1000; i++) data[i] = i + 1;
    data[6000] = 1e6;
    // Nearest rank: ceil(p/100 · 1001)-th smallest value.
    expect(intensityWindow(data, 1, 99)).toEqual([11, 991]);
    expect(intensityWindow(data, 0, 100)).toEqual([1, 1e6]);
  });

  it('survives constant, all-zero and empty data', () => {
    expect(intensityWindow(new Float32Array(10).fill(7))).toEqual([7, 8]);
    expect(intensityWindow(new Float32Array(10))).toEqual([0, 1]);
    expect(intensityWindow(Float32Array.of(Number.NaN, 2, 4), 0, 100)).toEqual([2, 4]);
    expect(intensityWindow(new Float32Array(0))).toEqual([0, 1]);
  });
});

describe('voxel ↔ slice pixel', () => {
  it('voxelToSlice inverts sliceToVoxel for every pixel of every plane (brute force)', () => {
    for (const plane of PLANES) {
      const g = sliceGeometry(shape, [1, 1, 1], plane);
      for (let s = 0; s < g.depth; s++) {
        for (let row = 0; row < g.height; row++) {
          for (let col = 0; col < g.width; col++) expect(voxelToSlice(shape, plane, sliceToVoxel(shape, plane, s, col, row))).toEqual({ slice: s, col, row });
        }
      }
    }
  });
});
