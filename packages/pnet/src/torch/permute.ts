/**
 * Row-major transpose of a flat array: output axis i is input axis `perm[i]` (as numpy's
 * `transpose(perm)`). Plain JS so that layout conversion is exact and backend-independent.
 */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i]!;
  }
  // Stride in the input of a unit step along each output axis.
  const steps = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src]!;
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      src += steps[axis]!;
      if (index[axis]! < outShape[axis]!) break;
      src -= steps[axis]! * outShape[axis]!;
      index[axis] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** Inverse of a permutation. */
export function invertPermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}
