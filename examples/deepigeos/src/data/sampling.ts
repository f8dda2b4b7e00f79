/**
 * Training-sample extraction: 2D slices from 3D volumes (axis selectable) and foreground-balanced
 * patch sampling (a set fraction of patches is centred on a random foreground voxel, the rest on a
 * uniformly random voxel), zero-padding where a patch leaves the image.
 * @module
 */
import type { Rng } from '../rng.js';
import type { LabelledImage } from './augment.js';
import { stridesOf } from './preprocess.js';
import { voxelCount } from './volume.js';

/**
 * Extracts slice `index` along `axis` (0 = D/axial, 1 = H/coronal, 2 = W/sagittal) of a 3D image
 * and its label as a 2D sample with the remaining two axes in order.
 */
export function extractSlice(sample: LabelledImage, axis: 0 | 1 | 2, index: number): LabelledImage {
  const { image, label } = sample;
  const [, H, W] = image.shape as [number, number, number];
  const C = image.channels;
  const keep = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  const shape2 = [image.shape[keep[0]]!, image.shape[keep[1]]!];
  const strides = [H * W, W, 1];
  const data = new Float32Array(shape2[0]! * shape2[1]! * C);
  const lab = new Uint8Array(shape2[0]! * shape2[1]!);
  const base = index * strides[axis]!;
  for (let u = 0, k = 0; u < shape2[0]!; u++) {
    for (let v = 0; v < shape2[1]!; v++, k++) {
      const src = base + u * strides[keep[0]]! + v * strides[keep[1]]!;
      for (let c = 0; c < C; c++) data[k * C + c] = image.data[src * C + c]!;
      lab[k] = label[src]!;
    }
  }
  return {
    image: { data, shape: shape2, channels: C, spacing: [image.spacing[keep[0]]!, image.spacing[keep[1]]!] },
    label: lab,
  };
}

/** Copies the patch of `size` starting at `start` (may extend outside the image: zero padding). */
export function cropPatch(sample: LabelledImage, start: readonly number[], size: readonly number[]): LabelledImage {
  const { image, label } = sample;
  const { shape, channels: C } = image;
  const rank = shape.length;
  const inStr = stridesOf(shape);
  const outStr = stridesOf(size);
  const n = voxelCount(size);
  const data = new Float32Array(n * C);
  const lab = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let src = 0;
    let inside = true;
    for (let a = 0; a < rank; a++) {
      const q = Math.floor(rem / outStr[a]!);
      rem -= q * outStr[a]!;
      const s = start[a]! + q;
      if (s < 0 || s >= shape[a]!) inside = false;
      src += s * inStr[a]!;
    }
    if (!inside) continue;
    for (let c = 0; c < C; c++) data[i * C + c] = image.data[src * C + c]!;
    lab[i] = label[src]!;
  }
  return { image: { data, shape: [...size], channels: C, spacing: [...image.spacing] }, label: lab };
}

/**
 * Samples a patch of side `size` (per axis) whose centre is a random foreground voxel with
 * probability `foregroundProbability` (if the label has any), else a uniformly random voxel.
 */
export function samplePatch(sample: LabelledImage, size: readonly number[], rng: Rng, foregroundProbability = 0.5): LabelledImage {
  const { shape } = sample.image;
  const strides = stridesOf(shape);
  let centreIndex = -1;
  if (rng.next() < foregroundProbability) {
    let count = 0;
    for (let i = 0; i < sample.label.length; i++) count += sample.label[i]! > 0 ? 1 : 0;
    if (count > 0) {
      let k = rng.int(count);
      for (let i = 0; i < sample.label.length; i++) {
        if (sample.label[i]! > 0 && k-- === 0) {
          centreIndex = i;
          break;
        }
      }
    }
  }
  const start = shape.map((s, a) => {
    let c: number;
    if (centreIndex >= 0) c = Math.floor(centreIndex / strides[a]!) % s;
    else c = rng.int(s);
    // Keep the patch inside the image when it fits, so padding only happens for small images.
    const lo = Math.min(0, s - size[a]!);
    const hi = Math.max(0, s - size[a]!);
    return Math.min(Math.max(c - Math.floor(size[a]! / 2), lo), hi);
  });
  return cropPatch(sample, start, size);
}
