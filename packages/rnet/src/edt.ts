import { asVolumeShape, type GridShape } from './grid.js';

/**
 * One pass of the Felzenszwalb–Huttenlocher lower-envelope algorithm on a line with sample
 * spacing `step`: out[i] = min_j f[j] + (step·(i − j))². Infinite entries are skipped, so a
 * line without any finite value stays infinite. Exact, O(n).
 */
function envelope1d(f: Float64Array, n: number, step: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Number.POSITIVE_INFINITY) continue;
    const xq = q * step;
    let s = Number.NEGATIVE_INFINITY;
    while (k >= 0) {
      const xv = v[k]! * step;
      s = (fq + xq * xq - (f[v[k]!]! + xv * xv)) / (2 * (xq - xv));
      if (s > z[k]!) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? Number.NEGATIVE_INFINITY : s;
    z[k + 1] = Number.POSITIVE_INFINITY;
  }
  if (k < 0) {
    out.fill(Number.POSITIVE_INFINITY, 0, n);
    return;
  }
  let j = 0;
  for (let i = 0; i < n; i++) {
    const x = i * step;
    while (z[j + 1]! < x) j++;
    const dx = x - v[j]! * step;
    out[i] = dx * dx + f[v[j]!]!;
  }
}

/**
 * Exact Euclidean distance transform with voxel spacing: for every voxel, the distance (in
 * spacing units) to the nearest voxel where `features` is non-zero. Separable squared-distance
 * passes along each axis (Felzenszwalb & Huttenlocher 2012) — exact, unlike a chamfer scan
 * (chamfer scans overestimate Euclidean distances). Returns `Infinity` everywhere when there is no feature voxel.
 */
export function euclideanDistanceTransform(features: Uint8Array, shape: GridShape, spacing: readonly number[]): Float64Array {
  const dims = asVolumeShape(shape);
  const steps = shape.length === 2 ? [1, spacing[0]!, spacing[1]!] : [spacing[0]!, spacing[1]!, spacing[2]!];
  const size = features.length;
  const sq = new Float64Array(size);
  for (let i = 0; i < size; i++) sq[i] = features[i] !== 0 ? 0 : Number.POSITIVE_INFINITY;
  const longest = Math.max(...dims);
  const line = new Float64Array(longest);
  const out = new Float64Array(longest);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);
  const strides = [dims[1] * dims[2], dims[2], 1];
  for (let axis = 0; axis < 3; axis++) {
    const n = dims[axis]!;
    if (n === 1) continue;
    const stride = strides[axis]!;
    // Every line along `axis` starts at a voxel whose coordinate on that axis is 0.
    for (let base = 0; base < size; base++) {
      if (Math.floor(base / stride) % n !== 0) continue;
      for (let i = 0; i < n; i++) line[i] = sq[base + i * stride]!;
      envelope1d(line, n, steps[axis]!, out, v, z);
      for (let i = 0; i < n; i++) sq[base + i * stride] = out[i]!;
    }
  }
  for (let i = 0; i < size; i++) sq[i] = Math.sqrt(sq[i]!);
  return sq;
}
