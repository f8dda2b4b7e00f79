// volumeFromNifti / niftiFromVolume: the [D, H, W] axis order (docs/conventions.md), no copies, exact overlay.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNifti, encodeNifti, NiftiArgumentError, niftiFromVolume, readNifti, volumeFromNifti } from '../src/index.js';
import { FIXTURES, golden } from './helpers.js';

describe('volumeFromNifti', () => {
  it('views float32 data as row-major [nz, ny, nx] without copying', async () => {
    const image = await readNifti(join(FIXTURES, 'orient-oblique.nii'));
    const volume = volumeFromNifti(image);
    expect(volume.shape).toEqual([3, 4, 5]);
    expect(volume.spacing).toEqual([image.pixdim[3], image.pixdim[2], image.pixdim[1]]);
    expect(volume.data.buffer).toBe(image.data.buffer);
    expect(volume.affine).toEqual(image.affine);
    // Voxel (i, j, k) = (4, 1, 2) is data[k][j][i] in the [D, H, W] layout.
    const [, h, w] = volume.shape;
    expect(volume.data[2 * h * w + 1 * w + 4]).toBe(image.data[4 + 5 * (1 + 4 * 2)]);
  });

  it('options.copy detaches the data from the file buffer', async () => {
    const bytes = new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(join(FIXTURES, 'orient-oblique.nii'))));
    const view = await readNifti(bytes);
    const copy = await readNifti(bytes, { copy: true });
    expect(view.data.buffer).toBe(bytes.buffer);
    expect(copy.data.buffer).not.toBe(bytes.buffer);
    expect(copy.data).toEqual(view.data);
  });

  it('reads a Node Buffer at an odd offset inside a larger pool (misaligned data is copied, not misread)', async () => {
    const file = await import('node:fs').then((fs) => fs.readFileSync(join(FIXTURES, 'dtype-float64-le.nii')));
    const pooled = Buffer.concat([Buffer.alloc(3, 7), file, Buffer.alloc(5, 9)]).subarray(3, 3 + file.length);
    const fromPool = await readNifti(pooled);
    const direct = await readNifti(new Uint8Array(file));
    expect(pooled.byteOffset % 8).not.toBe(0);
    expect(Array.from(fromPool.data as Float64Array)).toEqual(Array.from(direct.data as Float64Array));
  });

  it('applies scl_slope/scl_inter and converts to float32', async () => {
    const image = await readNifti(join(FIXTURES, 'scl-slope.nii'));
    const volume = volumeFromNifti(image);
    expect(volume.data).toBeInstanceOf(Float32Array);
    const sum = volume.data.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(golden['scl-slope.nii']!.scaledSum!, 3);
  });

  it('refuses 4D images with more than one volume, and complex data', async () => {
    await expect(readNifti(join(FIXTURES, 'shape-4d.nii.gz')).then(volumeFromNifti)).rejects.toThrow(/needs one 3D volume; image dims are 3×2×2×4/);
    await expect(readNifti(join(FIXTURES, 'dtype-complex64-le.nii')).then(volumeFromNifti)).rejects.toThrow(/scaledData\(\) needs scalar data/);
    const trailing = volumeFromNifti(await readNifti(join(FIXTURES, 'shape-trailing1.nii')));
    expect(trailing.shape).toEqual([2, 3, 4]);
  });
});

describe('NiftiImage.affine', () => {
  it('setting it updates both forms, and nibabel-style reading gives it back after a round trip', async () => {
    const image = await readNifti(join(FIXTURES, 'codes-q1-s0.nii'));
    const affine = [
      [0, 0, 2, -10],
      [-1.5, 0, 0, 20],
      [0, 1, 0, -30],
      [0, 0, 0, 1],
    ];
    image.affine = affine;
    expect([image.qformCode, image.sformCode]).toEqual([1, 2]);
    const back = decodeNifti(encodeNifti(image));
    expect(back.affine).toEqual(affine);
    // The qform (a rotation with zooms, no shear here) encodes the same matrix to float32 precision.
    back.qform.flat().forEach((v, i) => {
      expect(v).toBeCloseTo(affine.flat()[i]!, 5);
    });
    expect(() => {
      image.affine = [[1, 0, 0]];
    }).toThrow(/affine must be a 4×4 array/);
  });
});

describe('niftiFromVolume', () => {
  it('a uint8 segmentation written like its source keeps the source geometry exactly', async () => {
    const source = await readNifti(join(FIXTURES, 'scl-slope.nii'));
    const volume = volumeFromNifti(source);
    const labels = new Uint8Array(volume.data.length).map((_, i) => (volume.data[i]! > 0 ? 1 : 0));
    const seg = decodeNifti(encodeNifti(niftiFromVolume({ ...volume, data: labels }, source)));
    expect(seg.datatype).toBe(2);
    expect(seg.dims).toEqual(source.dims);
    expect(seg.affine).toEqual(source.affine);
    expect([seg.qformCode, seg.sformCode]).toEqual([source.qformCode, source.sformCode]);
    expect(seg.qform).toEqual(source.qform);
    expect(seg.pixdim).toEqual(source.pixdim);
    for (const f of ['quatern_b', 'quatern_c', 'quatern_d', 'qoffset_x', 'qoffset_y', 'qoffset_z', 'xyzt_units'] as const) expect(seg.header[f], f).toBe(source.header[f]);
    expect(seg.scaling()).toEqual({ slope: 1, inter: 0 });
    expect(seg.data).toEqual(labels);
  });

  it('without a reference image: affine from volume.affine or spacing, codes aligned', () => {
    const data = new Float32Array(24).map((_, i) => i);
    const img = decodeNifti(encodeNifti(niftiFromVolume({ data, shape: [2, 3, 4], spacing: [3, 2, 1] })));
    expect(img.dims).toEqual([4, 3, 2]);
    expect(img.affine).toEqual([
      [1, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 3, 0],
      [0, 0, 0, 1],
    ]);
    expect([img.qformCode, img.sformCode]).toEqual([2, 2]);
    expect(Array.from(img.data as Float32Array)).toEqual(Array.from(data));
    expect(volumeFromNifti(img).spacing).toEqual([3, 2, 1]);
  });

  it('rejects mismatched shapes with NiftiArgumentError', async () => {
    const source = await readNifti(join(FIXTURES, 'scl-slope.nii'));
    expect(() => niftiFromVolume({ data: new Float32Array(8), shape: [2, 2, 2], spacing: [1, 1, 1], affine: source.affine }, source)).toThrow(/does not match like.dims 3×3×3/);
    expect(() => niftiFromVolume({ data: new Float32Array(7), shape: [2, 2, 2], spacing: [1, 1, 1], affine: source.affine })).toThrow(NiftiArgumentError);
  });
});
