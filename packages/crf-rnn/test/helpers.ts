// Shared test utilities: deterministic random numbers and independent brute-force references.

import { createRng } from '@deepigeos/core';

/** Deterministic uniform [0,1) generator so failures reproduce. */
export const rng = (seed: number): (() => number) => createRng(seed).next;

/** Exact O(n²) Gaussian sum Σ_j exp(-½‖f_i − f_j‖²) v_j in float64. */
export function bruteForceGaussian(features: Float32Array, n: number, d: number, values: Float32Array, channels: number): Float64Array {
  const out = new Float64Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dist = 0;
      for (let k = 0; k < d; k++) {
        const diff = features[i * d + k]! - features[j * d + k]!;
        dist += diff * diff;
      }
      const w = Math.exp(-0.5 * dist);
      for (let c = 0; c < channels; c++) out[i * channels + c]! += w * values[j * channels + c]!;
    }
  }
  return out;
}

/** ‖a − b‖ / ‖b‖. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** Float64 dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
