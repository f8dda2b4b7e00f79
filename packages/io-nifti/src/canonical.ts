import { affineToQform } from './affine.js';
import { datatypeInfo, type NiftiData } from './datatypes.js';
import { headerFromImage } from './encode.js';
import { NiftiArgumentError } from './errors.js';
import { NiftiImage } from './image.js';
import { closestOrthogonal, linearPart, type Matrix4, multiply } from './matrix.js';

/** Per voxel axis: the world axis (0 = x/R, 1 = y/A, 2 = z/S) it runs along and its direction (±1). */
export type Orientation = Array<[axis: number, flip: 1 | -1]>;

/**
 * Which world axis each voxel axis runs along most closely, as nibabel's `io_orientation`: the
 * affine's columns are normalised, shears removed by polar decomposition, then each voxel axis
 * in turn takes the world axis with the largest remaining component.
 * @throws {@link NiftiArgumentError} when a column of the affine is zero (orientation undefined).
 */
export function ioOrientation(affine: Matrix4): Orientation {
  const rzs = linearPart(affine);
  const zooms = [0, 1, 2].map((c) => Math.hypot(rzs[0]![c]!, rzs[1]![c]!, rzs[2]![c]!) || 1);
  const r = closestOrthogonal(rzs.map((row) => row.map((v, c) => v / zooms[c]!)));
  const out: Orientation = [];
  for (let inAxis = 0; inAxis < 3; inAxis++) {
    const col = r.map((row) => row[inAxis]!);
    // numpy.allclose(col, 0): every |value| ≤ 1e-8.
    if (col.every((v) => Math.abs(v) <= 1e-8)) {
      throw new NiftiArgumentError(`affine column ${inAxis} is (nearly) zero: voxel axis ${inAxis} has no orientation, so no canonical form exists`);
    }
    let outAxis = 0;
    for (let k = 1; k < 3; k++) if (Math.abs(col[k]!) > Math.abs(col[outAxis]!)) outAxis = k;
    out.push([outAxis, col[outAxis]! < 0 ? -1 : 1]);
    r[outAxis] = [0, 0, 0];
  }
  return out;
}

/** The voxel-index transform T with newAffine = affine · T (nibabel's `inv_ornt_aff`). */
function reorientTransform(ornt: Orientation, shape: number[]): Matrix4 {
  const t = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  ornt.forEach(([axis, flip], r) => {
    t[r]![axis] = flip;
    t[r]![3] = flip === -1 ? shape[r]! - 1 : 0;
  });
  return t;
}

/** Voxel data reordered so that output axis `ornt[a][0]` is input axis `a`, flipped where `ornt[a][1]` is −1. */
function reorderData(data: NiftiData, dims: number[], components: number, ornt: Orientation): NiftiData {
  const out = new (data.constructor as new (n: number) => NiftiData)(data.length);
  const inStride = [components, components * dims[0]!, components * dims[0]! * dims[1]!];
  const outDims = [0, 0, 0];
  const step = [0, 0, 0];
  let start = 0;
  ornt.forEach(([axis, flip], a) => {
    outDims[axis] = dims[a]!;
    step[axis] = flip * inStride[a]!;
    if (flip === -1) start += (dims[a]! - 1) * inStride[a]!;
  });
  const frameSize = components * dims[0]! * dims[1]! * dims[2]!;
  const frames = data.length / frameSize;
  const [n0, n1, n2] = outDims as [number, number, number];
  const [s0, s1, s2] = step as [number, number, number];
  // Indexed as Float64Array only for the type checker: the loops copy elements of any array type.
  const src = data as Float64Array;
  const dst = out as Float64Array;
  let o = 0;
  for (let f = 0; f < frames; f++) {
    const base = f * frameSize + start;
    for (let k = 0; k < n2; k++) {
      for (let j = 0; j < n1; j++) {
        let from = base + k * s2 + j * s1;
        if (components === 1) {
          // The common scalar case without the component loop.
          for (let i = 0; i < n0; i++, from += s0) dst[o++] = src[from]!;
        } else {
          for (let i = 0; i < n0; i++, from += s0) for (let c = 0; c < components; c++) dst[o++] = src[from + c]!;
        }
      }
    }
  }
  return out;
}

/** dim_info packs the freq/phase/slice voxel axes (1-based, 0 = unknown) in 2-bit fields. */
function reorientDimInfo(dimInfo: number, ornt: Orientation): number {
  let out = 0;
  for (const shift of [0, 2, 4]) {
    const axis = (dimInfo >> shift) & 3;
    if (axis >= 1 && axis <= 3) out |= (ornt[axis - 1]![0] + 1) << shift;
  }
  return out;
}

/**
 * The image in the closest canonical (RAS+) voxel orientation, as nibabel's
 * `as_closest_canonical`: voxel axes permuted and flipped so that i runs left→Right,
 * j posterior→Anterior, k inferior→Superior; data reordered and the affine updated so every
 * voxel keeps its world position. Both sform and qform are transformed and keep their codes
 * (nibabel instead resets them to aligned/unknown); an image with neither form coded gets its
 * reoriented base affine as an aligned sform (code 2). Images already in RAS+ order are returned
 * as is. 1D/2D images are treated as having size-1 trailing axes.
 * @throws {@link NiftiArgumentError} when the affine has a zero column.
 */
export function toCanonical(image: NiftiImage): NiftiImage {
  const ornt = ioOrientation(image.affine);
  if (ornt.every(([axis, flip], i) => axis === i && flip === 1)) return image;
  const dims = image.dims.slice();
  while (dims.length < 3) dims.push(1);
  const transform = reorientTransform(ornt, dims);
  const newDims = dims.slice();
  const pixdim = image.pixdim.slice();
  ornt.forEach(([axis], a) => {
    newDims[axis] = dims[a]!;
    pixdim[axis + 1] = image.pixdim[a + 1]!;
  });
  // With neither form coded, the base affine was in use: it moves into the sform (code 2,
  // aligned), as in nibabel, because the base affine of the new dims would not match.
  const uncoded = image.sformCode === 0 && image.qformCode === 0;
  const moved = multiply(image.affine, transform);
  const qform = uncoded ? moved : multiply(image.qform, transform);
  const q = affineToQform(qform);
  pixdim[0] = q.qfac;
  const info = datatypeInfo(image.datatype);
  const result = new NiftiImage({
    version: image.version,
    header: { ...image.header, dim_info: reorientDimInfo(image.header.dim_info, ornt) },
    dims: newDims,
    pixdim,
    datatype: image.datatype,
    data: reorderData(image.data, dims, info.components, ornt),
    extensions: image.extensions.map((e) => ({ code: e.code, data: new Uint8Array(e.data) })),
    qform,
    qformCode: image.qformCode,
    sform: uncoded ? moved.map((row) => row.slice()) : multiply(image.sform, transform),
    sformCode: uncoded ? 2 : image.sformCode,
  });
  result.header = headerFromImage(result);
  return result;
}
