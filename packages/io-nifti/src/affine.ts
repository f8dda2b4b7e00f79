import { NiftiFormatError } from './errors.js';
import type { NiftiHeader } from './header.js';
import { closestOrthogonal, det3, type Matrix4 } from './matrix.js';

/**
 * pixdim as nibabel holds it after loading: qfac (pixdim[0]) forced to ±1 (anything else → 1),
 * and pixdim[1..3] made positive (negative → absolute value, zero → 1).
 */
export function normalisedPixdim(pixdim: readonly number[]): number[] {
  const out = pixdim.slice(0, 8);
  while (out.length < 8) out.push(0);
  out[0] = out[0] === -1 ? -1 : 1;
  for (let i = 1; i <= 3; i++) out[i] = out[i] === 0 ? 1 : Math.abs(out[i]!);
  return out;
}

/** Rotation matrix of a unit quaternion (w, x, y, z), as nibabel's `quat2mat`. */
function quaternionToRotation(w: number, x: number, y: number, z: number): number[][] {
  const n = w * w + x * x + y * y + z * z;
  if (n < Number.EPSILON) return [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const s = 2 / n;
  const [X, Y, Z] = [x * s, y * s, z * s];
  return [
    [1 - (y * Y + z * Z), x * Y - w * Z, x * Z + w * Y],
    [x * Y + w * Z, 1 - (x * X + z * Z), y * Z - w * X],
    [x * Z - w * Y, y * Z + w * X, 1 - (x * X + y * Y)],
  ];
}

// nibabel's tolerance for b²+c²+d² slightly above 1 (float32 rounding): 3 float32 epsilons.
const QUATERNION_THRESHOLD = -3 * 2 ** -23;

/**
 * The qform affine from the quaternion fields, qoffset and (normalised) pixdim, as nibabel's
 * `get_qform`.
 * @throws {@link NiftiFormatError} when quatern_b/c/d have a norm above 1.
 */
export function qformMatrix(header: NiftiHeader, pixdim: readonly number[]): Matrix4 {
  const { quatern_b: b, quatern_c: c, quatern_d: d } = header;
  const w2 = 1 - (b * b + c * c + d * d);
  if (!(w2 >= QUATERNION_THRESHOLD)) {
    throw new NiftiFormatError(`quatern_b/c/d (${b}, ${c}, ${d}) have norm² ${1 - w2}: expected at most 1 for a rotation quaternion`);
  }
  const w = w2 < 0 ? 0 : Math.sqrt(w2);
  const rot = quaternionToRotation(w, b, c, d);
  const zooms = [pixdim[1]!, pixdim[2]!, pixdim[3]! * pixdim[0]!];
  const offsets = [header.qoffset_x, header.qoffset_y, header.qoffset_z];
  return [
    ...rot.map((row, r) => [row[0]! * zooms[0]!, row[1]! * zooms[1]!, row[2]! * zooms[2]!, offsets[r]!]),
    [0, 0, 0, 1],
  ];
}

/** The sform affine from srow_x/y/z. */
export function sformMatrix(header: NiftiHeader): Matrix4 {
  return [header.srow_x.slice(0, 4), header.srow_y.slice(0, 4), header.srow_z.slice(0, 4), [0, 0, 0, 1]];
}

/**
 * The fallback affine when neither form is set, as nibabel's `get_base_affine`: voxel sizes on
 * the diagonal, x flipped, the volume centre at the origin.
 */
export function baseAffine(dims: readonly number[], pixdim: readonly number[]): Matrix4 {
  const shape = [0, 1, 2].map((i) => dims[i] ?? 1);
  const zooms = [0, 1, 2].map((i) => (i < dims.length ? pixdim[i + 1]! : 1));
  zooms[0] = -zooms[0]!;
  return [
    ...[0, 1, 2].map((r) => [0, 1, 2].map((c) => (r === c ? zooms[r]! : 0)).concat(-((shape[r]! - 1) / 2) * zooms[r]!)),
    [0, 0, 0, 1],
  ];
}

/** nibabel's rule: sform if sform_code ≠ 0, else qform if qform_code ≠ 0, else the base affine. */
export function chooseAffine(sformCode: number, sform: Matrix4, qformCode: number, qform: () => Matrix4, base: () => Matrix4): Matrix4 {
  if (sformCode !== 0) return sform;
  if (qformCode !== 0) return qform();
  return base();
}

/** Quaternion parameters that represent an affine as a qform (nibabel's `set_qform`). */
export type QformParams = Pick<NiftiHeader, 'quatern_b' | 'quatern_c' | 'quatern_d' | 'qoffset_x' | 'qoffset_y' | 'qoffset_z'> & {
  /** pixdim[0]: +1 or −1. */
  qfac: number;
  /** pixdim[1..3]: column norms of the affine. */
  zooms: [number, number, number];
};

/** Unit quaternion (w ≥ 0) of a proper rotation matrix (Shepperd's method). */
function rotationToQuaternion(m: number[][]): [number, number, number, number] {
  const [[m00, m01, m02], [m10, m11, m12], [m20, m21, m22]] = m as [[number, number, number], [number, number, number], [number, number, number]];
  const trace = m00 + m11 + m22;
  let q: [number, number, number, number];
  if (trace > 0) {
    const s = 2 * Math.sqrt(trace + 1);
    q = [s / 4, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    q = [(m21 - m12) / s, s / 4, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    q = [(m02 - m20) / s, (m01 + m10) / s, s / 4, (m12 + m21) / s];
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, s / 4];
  }
  const norm = Math.hypot(...q);
  const sign = q[0] < 0 ? -1 : 1;
  return q.map((x) => (sign * x) / norm) as [number, number, number, number];
}

/**
 * Quaternion form of an affine as nibabel's `set_qform`: zooms are the column norms, qfac makes
 * the rotation proper, and shears are dropped (closest orthogonal matrix).
 */
export function affineToQform(affine: Matrix4): QformParams {
  const rzs = [0, 1, 2].map((r) => affine[r]!.slice(0, 3));
  const zooms = [0, 1, 2].map((c) => Math.hypot(rzs[0]![c]!, rzs[1]![c]!, rzs[2]![c]!)) as [number, number, number];
  const rot = rzs.map((row) => row.map((v, c) => (zooms[c] === 0 ? 0 : v / zooms[c]!)));
  const qfac = det3(rot) > 0 ? 1 : -1;
  if (qfac < 0) for (const row of rot) row[2] = -row[2]!;
  const [, b, c, d] = rotationToQuaternion(closestOrthogonal(rot));
  return {
    quatern_b: b,
    quatern_c: c,
    quatern_d: d,
    qoffset_x: affine[0]![3]!,
    qoffset_y: affine[1]![3]!,
    qoffset_z: affine[2]![3]!,
    qfac,
    zooms,
  };
}
