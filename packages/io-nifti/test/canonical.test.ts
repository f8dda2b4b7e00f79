// toCanonical by brute force: every voxel must keep its world position (old affine · old index
// = new affine · new index), independently of how the reordering is implemented.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ioOrientation, NiftiArgumentError, niftiFromVolume, readNifti, toCanonical } from '../src/index.js';
import { FIXTURES } from './helpers.js';

/** Inverse of a 4×4 matrix by Gauss–Jordan elimination with partial pivoting. */
function invert(m: number[][]): number[][] {
  const a = m.map((row, r) => [...row, ...[0, 1, 2, 3].map((c) => (c === r ? 1 : 0))]);
  for (let col = 0; col < 4; col++) {
    let pivot = col;
    for (let r = col + 1; r < 4; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    a[col] = a[col]!.map((v) => v / p);
    for (let r = 0; r < 4; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      a[r] = a[r]!.map((v, c) => v - f * a[col]![c]!);
    }
  }
  return a.map((row) => row.slice(4));
}

const apply = (m: number[][], v: number[]) => m.slice(0, 3).map((row) => row[0]! * v[0]! + row[1]! * v[1]! + row[2]! * v[2]! + row[3]!);

describe('toCanonical keeps every voxel at its world position', () => {
  for (const name of ['orient-permuted.nii', 'orient-pir.nii', 'orient-las.nii', 'orient-oblique-negdet.nii', 'codes-q3-s0.nii', 'orient-permuted-rgb24.nii', 'shape-5d.nii']) {
    it(name, async () => {
      const image = await readNifti(join(FIXTURES, name));
      const canonical = toCanonical(image);
      const toOldVoxel = invert(image.affine);
      const [nx, ny, nz] = canonical.dims as [number, number, number];
      const components = image.data.length / image.dims.reduce((a, b) => a * b, 1);
      const frame = nx * ny * nz;
      const frames = canonical.data.length / (frame * components);
      const [ox, oy] = image.dims as [number, number];
      for (let f = 0; f < frames; f++) {
        for (let k = 0; k < nz; k++) {
          for (let j = 0; j < ny; j++) {
            for (let i = 0; i < nx; i++) {
              const old = apply(toOldVoxel, apply(canonical.affine, [i, j, k])).map(Math.round) as [number, number, number];
              const newIndex = f * frame + i + nx * (j + ny * k);
              const oldIndex = f * frame + old[0] + ox * (old[1] + oy * old[2]);
              for (let c = 0; c < components; c++) {
                expect(canonical.data[newIndex * components + c]).toBe(image.data[oldIndex * components + c]);
              }
            }
          }
        }
      }
      // And the result is RAS+: the canonical affine's voxel axes run along +x, +y, +z.
      expect(ioOrientation(canonical.affine)).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
      ]);
    });
  }

  it('returns RAS+ images unchanged, pads 2D images, refuses degenerate affines', async () => {
    const ras = await readNifti(join(FIXTURES, 'orient-ras.nii'));
    expect(toCanonical(ras)).toBe(ras);
    const flat = niftiFromVolume({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [1, 2, 3], spacing: [1, 1, 1] });
    flat.dims = [3, 2];
    flat.affine = [
      [-1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const flipped = toCanonical(flat);
    expect(flipped.dims).toEqual([3, 2, 1]);
    expect(Array.from(flipped.data as Float32Array)).toEqual([3, 2, 1, 6, 5, 4]);
    flat.affine = [
      [1, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    expect(() => toCanonical(flat)).toThrow(NiftiArgumentError);
    expect(() => toCanonical(flat)).toThrow(/affine column 1 is \(nearly\) zero/);
  });
});
