// Every fixture written by nibabel (scripts/make_fixtures.py) must read as nibabel reads it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNifti, toCanonical } from '../src/index.js';
import { checksums, expectMatrixClose, expectSameSum, FIXTURES, golden } from './helpers.js';

// Affines from the quaternion are computed in float64 from float32 fields by both readers.
const AFFINE_TOL = 1e-5;

describe('reading agrees with nibabel 5 on every fixture', () => {
  for (const [name, want] of Object.entries(golden)) {
    it(name, async () => {
      const image = await readNifti(join(FIXTURES, name));
      expect(image.version).toBe(want.version);
      expect(image.dims).toEqual(want.dims);
      expect(image.datatype).toBe(want.datatype);
      expect(image.qformCode).toBe(want.qformCode);
      expect(image.sformCode).toBe(want.sformCode);
      expectMatrixClose(image.affine, want.affine, AFFINE_TOL, 'affine');
      expectMatrixClose(image.sform, want.sform, 0, 'sform');
      if (want.qform) expectMatrixClose(image.qform, want.qform, AFFINE_TOL, 'qform');
      const sums = checksums(image.data);
      expectSameSum(sums.sum, want.sum, 'sum of stored values');
      expectSameSum(sums.weightedSum, want.weightedSum, 'order-sensitive weighted sum');
      if (want.scaledSum !== undefined) {
        const scaled = Array.from(image.scaledData());
        const total = scaled.reduce((a, b) => a + b, 0);
        // Float sums of values up to ±2^63 cancel: scale the tolerance by the sum of magnitudes.
        const magnitude = scaled.reduce((a, b) => a + Math.abs(b), 0);
        expect(Math.abs(total - want.scaledSum), 'scaled sum').toBeLessThanOrEqual(1e-6 * Math.max(1, magnitude));
      }
      expect(image.extensions.map((e) => [e.code, e.data.length])).toEqual(want.extensions);
    });
  }
});

describe('toCanonical agrees with nibabel as_closest_canonical', () => {
  for (const [name, want] of Object.entries(golden)) {
    it(name, async () => {
      const canonical = toCanonical(await readNifti(join(FIXTURES, name)));
      expect(canonical.dims).toEqual(want.canonical.dims);
      expectMatrixClose(canonical.affine, want.canonical.affine, AFFINE_TOL, 'canonical affine');
      expectSameSum(checksums(canonical.data).weightedSum, want.canonical.weightedSum, 'canonical voxel order');
    });
  }
});
