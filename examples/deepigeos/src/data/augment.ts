/**
 * Seeded data augmentation for 2D images and 3D volumes: flips, a random affine (rotation in
 * radians and scaling, in physical units so anisotropic voxels are handled) combined with an
 * elastic deformation in one resampling pass, a multiplicative MRI bias field, gamma and Gaussian
 * noise. Images are interpolated linearly, labels by nearest neighbour.
 * @module
 */
import type { Rng } from '../rng.js';
import { sampleAt, stridesOf } from './preprocess.js';
import type { ImageVolume } from './volume.js';
import { voxelCount } from './volume.js';

/** An image with its binary label, the unit that augmentation and sampling work on. */
export interface LabelledImage {
  image: ImageVolume;
  label: Uint8Array;
}

/** Augmentation settings; every probability is per sample, ranges are symmetric around 0 / 1. */
export interface AugmentOptions {
  /** Probability of flipping along each axis independently; default 0.5. */
  flipProbability?: number;
  /** Axes that may be flipped (indices into the shape); default all. */
  flipAxes?: number[];
  /** Maximum absolute rotation in radians (per plane); 0 disables. Default 0.26 (15°). */
  rotation?: number;
  /** Maximum relative scaling: factor drawn from [1 − s, 1 + s]; default 0.1. */
  scale?: number;
  /** Elastic displacement std in voxels on a coarse control grid; 0 disables. Default 0. */
  elasticSigma?: number;
  /** Control points per axis of the elastic grid; default 4. */
  elasticGrid?: number;
  /** Std of the log bias-field polynomial coefficients; 0 disables. Default 0.1. */
  biasField?: number;
  /** Maximum |log γ|: γ drawn from exp([−g, g]); 0 disables. Default 0.2. */
  gamma?: number;
  /** Std of additive Gaussian noise (image units); 0 disables. Default 0.05. */
  noise?: number;
  /** Probability that the spatial (affine + elastic) transform is applied; default 0.5. */
  spatialProbability?: number;
}

/** Default augmentation settings (documented on {@link AugmentOptions}). */
export const DEFAULT_AUGMENT: Required<Omit<AugmentOptions, 'flipAxes'>> = {
  flipProbability: 0.5,
  rotation: 0.26,
  scale: 0.1,
  elasticSigma: 0,
  elasticGrid: 4,
  biasField: 0.1,
  gamma: 0.2,
  noise: 0.05,
  spatialProbability: 0.5,
};

/** Returns a copy of a channels-last array reversed along one axis. */
export function flipAxis<T extends Float32Array | Uint8Array>(data: T, shape: readonly number[], channels: number, axis: number): T {
  const out = data.slice() as T;
  const strides = stridesOf(shape);
  const n = voxelCount(shape);
  const len = shape[axis]!;
  const st = strides[axis]!;
  for (let i = 0; i < n; i++) {
    const q = Math.floor(i / st) % len;
    const j = i + (len - 1 - 2 * q) * st;
    for (let c = 0; c < channels; c++) out[i * channels + c] = data[j * channels + c]!;
  }
  return out;
}

/** Rotation matrix (rank × rank) from per-plane angles; 2D: one angle, 3D: three (Euler). */
function rotationMatrix(rank: number, angles: number[]): number[][] {
  const rot = (i: number, j: number, t: number): number[][] => {
    const m: number[][] = Array.from({ length: rank }, (_, r) => Array.from({ length: rank }, (_, c) => (r === c ? 1 : 0)));
    m[i]![i] = Math.cos(t);
    m[i]![j] = -Math.sin(t);
    m[j]![i] = Math.sin(t);
    m[j]![j] = Math.cos(t);
    return m;
  };
  const mul = (a: number[][], b: number[][]): number[][] =>
    a.map((row) => b[0]!.map((_, c) => row.reduce((s, v, k) => s + v * b[k]![c]!, 0)));
  if (rank === 2) return rot(0, 1, angles[0]!);
  return mul(mul(rot(1, 2, angles[0]!), rot(0, 2, angles[1]!)), rot(0, 1, angles[2]!));
}

/**
 * Applies a random rotation + scaling about the centre and an optional elastic displacement in one
 * resampling pass (parameters drawn from `rng`; see {@link resampleAffine}).
 */
export function spatialTransform(sample: LabelledImage, rng: Rng, options: AugmentOptions = {}): LabelledImage {
  const o = { ...DEFAULT_AUGMENT, ...options };
  const rank = sample.image.shape.length;
  const angles = Array.from({ length: rank === 2 ? 1 : 3 }, () => rng.uniform(-o.rotation, o.rotation));
  const scale = rng.uniform(1 - o.scale, 1 + o.scale);
  const field = o.elasticSigma > 0 ? randomDisplacementField(rng, rank, o.elasticGrid, o.elasticSigma) : undefined;
  return resampleAffine(sample, angles, scale, field);
}

/** A smooth random displacement: `grid`^rank control points (at least 2 per axis), each axis's displacement ~ N(0, sigma²) voxels. */
export function randomDisplacementField(rng: Rng, rank: number, grid: number, sigma: number): { grid: number; values: Float32Array } {
  const g = Math.max(2, grid);
  return { grid: g, values: Float32Array.from({ length: g ** rank * rank }, () => rng.normal() * sigma) };
}

/**
 * Resamples an image (linear) and label (nearest) under a rotation by `angles` (2D: one angle;
 * 3D: rotations in the (H,W), (D,W) and (D,H) planes, composed) and isotropic `scale` about the
 * image centre, in physical units; plus an optional displacement field in voxels given on a
 * `grid`^rank control lattice (channels-last, one displacement per axis), interpolated linearly.
 * Positions beyond the border read 0, or with `clampToEdge` the nearest edge voxel.
 */
export function resampleAffine(
  sample: LabelledImage,
  angles: number[],
  scale: number,
  field?: { grid: number; values: Float32Array },
  clampToEdge = false,
): LabelledImage {
  const { image } = sample;
  const { shape, spacing, channels } = image;
  const rank = shape.length;
  // Inverse map: source = Rᵀ (p − c) / scale + c, evaluated in mm.
  const r = rotationMatrix(rank, angles);
  const centre = shape.map((s) => (s - 1) / 2);
  const grid = field?.grid ?? 2;
  const gridShape = shape.map(() => grid);
  const gridStr = stridesOf(gridShape);
  const inStr = stridesOf(shape);
  const n = voxelCount(shape);
  const data = new Float32Array(n * channels);
  const label = new Uint8Array(n);
  const p = new Array<number>(rank);
  const src = new Array<number>(rank);
  const gpos = new Array<number>(rank);
  const disp = new Float32Array(rank);
  for (let i = 0; i < n; i++) {
    let rem = i;
    for (let a = 0; a < rank; a++) {
      const q = Math.floor(rem / inStr[a]!);
      rem -= q * inStr[a]!;
      p[a] = (q - centre[a]!) * spacing[a]!;
      gpos[a] = (q / Math.max(shape[a]! - 1, 1)) * (grid - 1);
    }
    for (let a = 0; a < rank; a++) {
      let s = 0;
      for (let b = 0; b < rank; b++) s += r[b]![a]! * p[b]!; // Rᵀ p
      src[a] = s / scale / spacing[a]! + centre[a]!;
    }
    if (field) {
      sampleAt(field.values, gridShape, gridStr, rank, gpos, 1, 0, disp, 0);
      for (let a = 0; a < rank; a++) src[a]! += disp[a]!;
    }
    if (clampToEdge) for (let a = 0; a < rank; a++) src[a] = Math.min(Math.max(src[a]!, 0), shape[a]! - 1);
    sampleAt(image.data, shape, inStr, channels, src, 1, 0, data, i * channels);
    sampleAt(sample.label, shape, inStr, 1, src, 0, 0, label, i);
  }
  return { image: { ...image, data }, label };
}

/** Multiplies the image by exp(random quadratic polynomial) over normalised coordinates. */
export function applyBiasField(image: ImageVolume, rng: Rng, strength: number): ImageVolume {
  const rank = image.shape.length;
  const terms = rank === 2 ? 5 : 9; // linear + quadratic + cross terms
  const coef = Array.from({ length: terms }, () => rng.normal() * strength);
  const strides = stridesOf(image.shape);
  const n = voxelCount(image.shape);
  const out = new Float32Array(image.data.length);
  const x = new Array<number>(rank);
  for (let i = 0; i < n; i++) {
    let rem = i;
    for (let a = 0; a < rank; a++) {
      const q = Math.floor(rem / strides[a]!);
      rem -= q * strides[a]!;
      x[a] = q / Math.max(image.shape[a]! - 1, 1) - 0.5;
    }
    let s = 0;
    let k = 0;
    for (let a = 0; a < rank; a++) s += coef[k++]! * x[a]!;
    for (let a = 0; a < rank; a++) for (let b = a; b < rank; b++) s += coef[k++]! * x[a]! * x[b]!;
    const f = Math.exp(s);
    for (let c = 0; c < image.channels; c++) out[i * image.channels + c] = image.data[i * image.channels + c]! * f;
  }
  return { ...image, data: out };
}

/** Gamma transform per channel: rescale to [0,1] by min/max, raise to γ, map back. */
export function applyGamma(image: ImageVolume, gamma: number): ImageVolume {
  const { channels, data } = image;
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = c; i < data.length; i += channels) {
      lo = Math.min(lo, data[i]!);
      hi = Math.max(hi, data[i]!);
    }
    const range = hi - lo || 1;
    for (let i = c; i < data.length; i += channels) out[i] = lo + range * ((data[i]! - lo) / range) ** gamma;
  }
  return { ...image, data: out };
}

/**
 * The full seeded augmentation: flips, spatial transform, bias field, gamma and noise, each
 * drawn from `rng` so equal RNG states give identical samples.
 */
export function augment(sample: LabelledImage, rng: Rng, options: AugmentOptions = {}): LabelledImage {
  const o = { ...DEFAULT_AUGMENT, ...options };
  let { image, label } = sample;
  const axes = options.flipAxes ?? image.shape.map((_, a) => a);
  for (const a of axes) {
    if (rng.next() < o.flipProbability) {
      image = { ...image, data: flipAxis(image.data, image.shape, image.channels, a) };
      label = flipAxis(label, image.shape, 1, a);
    }
  }
  if ((o.rotation > 0 || o.scale > 0 || o.elasticSigma > 0) && rng.next() < o.spatialProbability) {
    ({ image, label } = spatialTransform({ image, label }, rng, o));
  }
  if (o.biasField > 0) image = applyBiasField(image, rng, o.biasField);
  if (o.gamma > 0) image = applyGamma(image, Math.exp(rng.uniform(-o.gamma, o.gamma)));
  if (o.noise > 0) {
    const data = image.data.slice();
    for (let i = 0; i < data.length; i++) data[i]! += rng.normal() * o.noise;
    image = { ...image, data };
  }
  return { image, label };
}
