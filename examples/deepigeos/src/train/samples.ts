/**
 * Draws training and validation samples from loaded cases: 2D slices (axis selectable) from 3D
 * volumes or 2D images, 3D patches from volumes, foreground-balanced, augmented with the seeded
 * RNG so a run is reproducible and resumable from the RNG state.
 * @module
 */
import { dice } from '@deepigeos/rnet';
import { augment, type AugmentOptions, type LabelledImage } from '../data/augment.js';
import { stridesOf } from '../data/preprocess.js';
import { cropPatch, extractSlice, samplePatch } from '../data/sampling.js';
import type { Case } from '../data/volume.js';
import type { Rng } from '../rng.js';

/** What to draw. */
export interface SampleSpec {
  /** 2 = slices / 2D images, 3 = volume patches. */
  dim: 2 | 3;
  /** Patch side. */
  patch: number;
  /** Slice axis for 2D training on 3D volumes. */
  sliceAxis: 0 | 1 | 2;
  /** Probability that a sample is centred on foreground. */
  foregroundProbability: number;
  /** Augmentation, or undefined for none. */
  augment?: AugmentOptions;
}

function labelled(c: Case): LabelledImage {
  return { image: c.image, label: c.label ?? new Uint8Array(c.image.data.length / c.image.channels) };
}

/** Slices holding foreground per label array and axis: labels are never modified, and a scan of the volume per sample cost 1.4 % of a 2D training step. */
const foregroundSlices = new WeakMap<Uint8Array, number[][]>();

function slicesWithForeground(label: Uint8Array, shape: readonly number[], axis: number): number[] {
  let perAxis = foregroundSlices.get(label);
  if (perAxis === undefined) foregroundSlices.set(label, (perAxis = []));
  let found = perAxis[axis];
  if (found === undefined) {
    const len = shape[axis]!;
    const stride = stridesOf(shape)[axis]!;
    const seen = new Uint8Array(len);
    for (let i = 0; i < label.length; i++) if (label[i]) seen[Math.floor(i / stride) % len] = 1;
    found = [];
    for (let s = 0; s < len; s++) if (seen[s]) found.push(s);
    perAxis[axis] = found;
  }
  return found;
}

/** Picks a slice index along `axis`, preferring slices with foreground with probability `p`. */
function pickSlice(sample: LabelledImage, axis: number, rng: Rng, p: number): number {
  const len = sample.image.shape[axis]!;
  if (rng.next() < p) {
    const withFg = slicesWithForeground(sample.label, sample.image.shape, axis);
    if (withFg.length) return withFg[rng.int(withFg.length)]!;
  }
  return rng.int(len);
}

/**
 * Draws one training sample from a case: a slice (2D on volumes), a patch with a margin for the
 * spatial augmentation, the augmentation, then the centre crop to `patch`.
 */
export function drawSample(c: Case, spec: SampleSpec, rng: Rng): LabelledImage {
  let s = labelled(c);
  if (spec.dim === 2 && s.image.shape.length === 3) s = extractSlice(s, spec.sliceAxis, pickSlice(s, spec.sliceAxis, rng, spec.foregroundProbability));
  const rank = s.image.shape.length;
  if (rank !== spec.dim) throw new RangeError(`case ${c.id} has ${rank}D images but training is ${spec.dim}D`);
  // A margin lets rotations and scalings fill the patch with image content instead of padding.
  const margin = spec.augment ? Math.ceil(spec.patch * 0.2) : 0;
  const big = s.image.shape.map(() => spec.patch + 2 * margin);
  s = samplePatch(s, big, rng, spec.foregroundProbability);
  if (spec.augment) s = augment(s, rng, spec.augment);
  return margin ? cropPatch(s, big.map(() => margin), big.map(() => spec.patch)) : s;
}

/**
 * A fixed validation set: `count` samples drawn round-robin over the validation cases with their
 * own RNG (whole slices in 2D; patches of twice the training side, capped by the volume, in 3D),
 * never augmented, so validation Dice is comparable across epochs and runs.
 */
export function validationSamples(cases: Case[], spec: SampleSpec, rng: Rng, count: number): LabelledImage[] {
  const out: LabelledImage[] = [];
  for (let k = 0; k < count && cases.length; k++) {
    const c = cases[k % cases.length]!;
    let s = labelled(c);
    if (spec.dim === 2 && s.image.shape.length === 3) s = extractSlice(s, spec.sliceAxis, pickSlice(s, spec.sliceAxis, rng, 0.75));
    if (spec.dim === 3) s = samplePatch(s, s.image.shape.map((d) => Math.min(d, 2 * spec.patch)), rng, 0.75);
    out.push(s);
  }
  return out;
}

/** Dice of predicted masks against the samples' labels, all samples pooled as one volume (as validation scores them). */
export function pooledDice(preds: readonly Uint8Array[], samples: readonly LabelledImage[]): number {
  const total = preds.reduce((a, p) => a + p.length, 0);
  const allP = new Uint8Array(total);
  const allT = new Uint8Array(total);
  let o = 0;
  preds.forEach((p, k) => {
    allP.set(p, o);
    allT.set(samples[k]!.label, o);
    o += p.length;
  });
  return dice(allP, allT, [1, total]);
}
