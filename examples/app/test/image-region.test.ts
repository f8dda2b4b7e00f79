// The refinement's region transfer on a reoriented image: a canonical box read from and written
// back to source-order arrays equals cropping and pasting the whole-volume permutation.
import { encodeNifti, niftiFromVolume } from '@deepigeos/io-nifti';
import { describe, expect, it } from 'vitest';
import { canonicalRegion, canonicalVoxels, fromCanonicalOrder, openImages, pasteCanonicalRegion, prepareCanonicalIndex, toCanonicalOrder } from '../src/image.js';

/** A 5×6×7 image whose axes are swapped and flipped against RAS+ (i → −y, j → +z, k → −x). */
async function reorientedImage() {
  const shape: [number, number, number] = [5, 6, 7];
  const data = Float32Array.from({ length: 5 * 6 * 7 }, (_, i) => i);
  const affine = [
    [0, 0, -1, 4],
    [-1, 0, 0, 6],
    [0, 1, 0, -2],
    [0, 0, 0, 1],
  ];
  const bytes = encodeNifti(niftiFromVolume({ data, shape, affine }));
  return openImages([new File([bytes as Uint8Array<ArrayBuffer>], 'reoriented.nii')]);
}

describe('canonical regions of a reoriented image', () => {
  it('canonicalRegion = the box of toCanonicalOrder; pasteCanonicalRegion = fromCanonicalOrder of a pasted box; canonicalVoxels inverts perm', async () => {
    const image = await reorientedImage();
    const [D, H, W] = image.canonical.shape;
    expect(image.canonical.shape).not.toEqual(image.shape); // the axes really are permuted
    const roi = { start: [1, 2, 0], size: [D - 2, H - 3, W - 1] };
    const source = image.channels[0]!;
    const canonical = await toCanonicalOrder(image, source);
    const expected: number[] = [];
    for (let z = 1; z < 1 + roi.size[0]!; z++) for (let y = 2; y < 2 + roi.size[1]!; y++) for (let x = 0; x < roi.size[2]!; x++) expected.push(canonical[(z * H + y) * W + x]!);
    expect(Array.from(canonicalRegion(image, source, roi))).toEqual(expected);

    const values = Float32Array.from(expected, (v) => -v - 1);
    const pasted = pasteCanonicalRegion(image, source.slice(), roi, values);
    const reference = canonical.slice();
    let b = 0;
    for (let z = 1; z < 1 + roi.size[0]!; z++) for (let y = 2; y < 2 + roi.size[1]!; y++) for (let x = 0; x < roi.size[2]!; x++) reference[(z * H + y) * W + x] = values[b++]!;
    expect(Array.from(pasted)).toEqual(Array.from(await fromCanonicalOrder(image, reference)));

    const voxels = [0, 17, 5 * 6 * 7 - 1];
    for (const [n, [z, y, x]] of canonicalVoxels(image, voxels).entries()) expect(image.canonical.perm[(z * H + y) * W + x]).toBe(voxels[n]);
    // Built ahead in chunks (a fresh image), the index gives the same voxels.
    const fresh = await reorientedImage();
    await prepareCanonicalIndex(fresh);
    expect(canonicalVoxels(fresh, voxels)).toEqual(canonicalVoxels(image, voxels));
  });
});
