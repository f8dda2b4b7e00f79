// Independent float64 reference implementations of the CRFs, written as plain loops straight
// from the equations (no code shared with src/), for comparison with the tfjs layers.

export interface Grid {
  /** Spatial shape, `[H, W]` or `[D, H, W]`. */
  shape: number[];
  labels: number;
  channels: number;
}

function coords(i: number, shape: number[]): number[] {
  const c = new Array<number>(shape.length);
  let rest = i;
  for (let a = shape.length - 1; a >= 0; a--) {
    c[a] = rest % shape[a]!;
    rest = Math.floor(rest / shape[a]!);
  }
  return c;
}

function flatIndex(c: number[], shape: number[]): number {
  let i = 0;
  for (let a = 0; a < shape.length; a++) i = i * shape[a]! + c[a]!;
  return i;
}

function softmaxRows(u: Float64Array, labels: number): Float64Array {
  const q = new Float64Array(u.length);
  for (let i = 0; i < u.length; i += labels) {
    let max = -Infinity;
    for (let l = 0; l < labels; l++) max = Math.max(max, u[i + l]!);
    let sum = 0;
    for (let l = 0; l < labels; l++) sum += q[i + l] = Math.exp(u[i + l]! - max);
    for (let l = 0; l < labels; l++) q[i + l]! /= sum;
  }
  return q;
}

/** Sigmoid MLP with ReLU hidden layers; kernels[i] is row-major [in, out]. */
export function mlp(kernels: Float32Array[], shapes: number[][], biases: Float32Array[], input: number[]): number {
  let h = input;
  for (let layer = 0; layer < kernels.length; layer++) {
    const [nIn, nOut] = shapes[layer] as [number, number];
    const next = new Array<number>(nOut).fill(0);
    for (let o = 0; o < nOut; o++) {
      let s = biases[layer]![o]!;
      for (let k = 0; k < nIn; k++) s += h[k]! * kernels[layer]![k * nOut + o]!;
      next[o] = layer < kernels.length - 1 ? Math.max(0, s) : 1 / (1 + Math.exp(-s));
    }
    h = next;
  }
  return h[0]!;
}

/**
 * Mean field with a generic dense pairwise weight k(i, j) (0 where i, j do not interact), the
 * message normalised by `norm(i)`, compatibility μ, optional clamp. Returns the final logits.
 */
export function meanFieldReference(
  grid: Grid,
  unaries: Float32Array,
  pairwise: (i: number, j: number) => number,
  norm: (i: number) => number,
  compat: Float32Array,
  iterations: number,
  clamp?: (i: number) => number,
): Float64Array {
  const V = grid.shape.reduce((a, b) => a * b, 1);
  const L = grid.labels;
  const clampQ = (q: Float64Array) => {
    if (!clamp) return q;
    for (let i = 0; i < V; i++) {
      const label = clamp(i);
      if (label >= 0) for (let l = 0; l < L; l++) q[i * L + l] = l === label ? 1 : 0;
    }
    return q;
  };
  let logits = Float64Array.from(unaries);
  let q = clampQ(softmaxRows(logits, L));
  for (let t = 0; t < iterations; t++) {
    const next = new Float64Array(V * L);
    for (let i = 0; i < V; i++) {
      const m = new Float64Array(L);
      for (let j = 0; j < V; j++) {
        const w = pairwise(i, j);
        if (w !== 0) for (let l = 0; l < L; l++) m[l]! += w * q[j * L + l]!;
      }
      for (let l = 0; l < L; l++) {
        let p = 0;
        for (let k = 0; k < L; k++) p += compat[l * L + k]! * m[k]! * norm(i);
        next[i * L + l] = unaries[i * L + l]! - p;
      }
    }
    logits = next;
    q = clampQ(softmaxRows(logits, L));
  }
  return logits;
}

/** CRF-Net pairwise weight of voxels i, j: MLP(I_j − I_i, (p_j − p_i)·spacing) inside the window, else 0. */
export function windowPairwise(
  grid: Grid,
  image: Float32Array,
  window: number[],
  spacing: number[],
  net: { kernels: Float32Array[]; shapes: number[][]; biases: Float32Array[] },
): (i: number, j: number) => number {
  return (i, j) => {
    if (i === j) return 0;
    const ci = coords(i, grid.shape);
    const cj = coords(j, grid.shape);
    const offset = cj.map((v, a) => v - ci[a]!);
    if (offset.some((o, a) => Math.abs(o) > (window[a]! - 1) / 2)) return 0;
    const diff: number[] = [];
    for (let c = 0; c < grid.channels; c++) diff.push(image[j * grid.channels + c]! - image[i * grid.channels + c]!);
    return mlp(net.kernels, net.shapes, net.biases, [...diff, ...offset.map((o, a) => o * spacing[a]!)]);
  };
}

/** Dense CRF kernel w1·exp(−|Δp|²/2θα² − |ΔI|²/2θβ²) as two separate exact Gaussian kernels. */
export function gaussianKernel(grid: Grid, image: Float32Array, spacing: number[], theta: number, thetaI: number | null) {
  return (i: number, j: number): number => {
    const ci = coords(i, grid.shape);
    const cj = coords(j, grid.shape);
    let e = 0;
    for (let a = 0; a < ci.length; a++) e += (((ci[a]! - cj[a]!) * spacing[a]!) / theta) ** 2;
    if (thetaI !== null) {
      for (let c = 0; c < grid.channels; c++) e += ((image[i * grid.channels + c]! - image[j * grid.channels + c]!) / thetaI) ** 2;
    }
    return Math.exp(-0.5 * e);
  };
}

export { coords, flatIndex, softmaxRows };
