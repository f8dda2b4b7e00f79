// Real-world files shipped with Debian's nibabel test data (scanner anatomical and functional
// images, big-endian floats, 4D gzip, NIfTI-2): read them and compare with nibabel, live.
// Skipped where Debian's python3-nibabel is not installed; the committed fixtures cover the rest.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readNifti, toCanonical } from '../src/index.js';
import { checksums, expectMatrixClose, expectSameSum, type Golden } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const DATA = '/usr/lib/python3/dist-packages/nibabel/tests/data';
const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts');
const FILES = ['anatomical.nii', 'functional.nii', 'example4d.nii.gz', 'example_nifti2.nii.gz', 'reoriented_anat_moved.nii', 'resampled_anat_moved.nii', 'standard.nii.gz'];
const available = existsSync(PYTHON) && FILES.every((f) => existsSync(join(DATA, f)));

describe.skipIf(!available)("nibabel's own test data", () => {
  it('reads every file as nibabel does (dims, datatype, affine, values, canonical form)', async () => {
    const paths = FILES.map((f) => join(DATA, f));
    const out = execFileSync(PYTHON, [join(SCRIPTS, 'nibabel_readback.py'), ...paths], { cwd: SCRIPTS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const want: Record<string, Golden> = JSON.parse(out);
    for (const path of paths) {
      const expected = want[path]!;
      const image = await readNifti(path);
      expect(image.dims, path).toEqual(expected.dims);
      expect(image.datatype, path).toBe(expected.datatype);
      expectMatrixClose(image.affine, expected.affine, 1e-5, path);
      const sums = checksums(image.data);
      expectSameSum(sums.sum, expected.sum, `${path} sum`);
      expectSameSum(sums.weightedSum, expected.weightedSum, `${path} weighted sum`);
      const canonical = toCanonical(image);
      expect(canonical.dims, path).toEqual(expected.canonical.dims);
      expectMatrixClose(canonical.affine, expected.canonical.affine, 1e-5, `${path} canonical`);
      expectSameSum(checksums(canonical.data).weightedSum, expected.canonical.weightedSum, `${path} canonical order`);
    }
  }, 60_000);
});
