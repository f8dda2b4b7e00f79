import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../src/rng.js';
import { paintEllipsoid, perturbProbability, warpProbability } from '../src/train/perturb.js';
import { rnetTrainingBatch, rnetValidationSamples } from '../src/train/train-rnet.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A square of foreground probability 1 in an h×w map. */
function square(h: number, w: number, from: number, to: number): Float32Array {
  const p = new Float32Array(h * w);
  for (let y = from; y < to; y++) for (let x = from; x < to; x++) p[y * w + x] = 1;
  return p;
}

describe('warpProbability (harder first rounds for R-Net)', () => {
  it('leaves the map unchanged with no displacement, and constant maps constant', () => {
    const p = square(32, 32, 8, 24);
    expect(warpProbability(p, [32, 32], createRng(1), 0)).toEqual(p);
    const flat = new Float32Array(20 * 20 * 20).fill(0.3);
    for (const v of warpProbability(flat, [20, 20, 20], createRng(2), 6)) expect(v).toBeCloseTo(0.3, 6);
  });

  it('moves the boundary, keeps values in [0, 1] and is reproducible from the RNG', () => {
    const p = square(48, 48, 12, 36);
    let moved = 0;
    for (let seed = 0; seed < 8; seed++) {
      const a = warpProbability(p, [48, 48], createRng(seed), 6);
      expect(warpProbability(p, [48, 48], createRng(seed), 6)).toEqual(a);
      for (const v of a) expect(v >= 0 && v <= 1).toBe(true);
      // Voxels that changed side of 0.5: the error region a user would click.
      moved += a.reduce((n, v, i) => n + ((v > 0.5) !== (p[i]! > 0.5) ? 1 : 0), 0);
    }
    expect(moved / 8).toBeGreaterThan(20);
  });
});

describe('paintEllipsoid and perturbProbability', () => {
  it('paints one solid ellipse whose semi-axes are 15–50 % of each side, in 2D and 3D', () => {
    for (const shape of [[40, 60], [20, 24, 28]]) {
      const strides = shape.map((_, a) => shape.slice(a + 1).reduce((q, d) => q * d, 1));
      for (let seed = 0; seed < 6; seed++) {
        const n = shape.reduce((a, b) => a * b, 1);
        const p = new Float32Array(n).fill(0.7);
        paintEllipsoid(p, shape, createRng(seed), 1);
        expect(p.every((v) => v === 1 || v === Math.fround(0.7))).toBe(true);
        const painted = [...p.keys()].filter((i) => p[i] === 1);
        expect(painted.length).toBeGreaterThan(0);
        shape.forEach((side, a) => {
          const coords = painted.map((i) => Math.floor(i / strides[a]!) % side);
          const lo = Math.min(...coords);
          const hi = Math.max(...coords);
          // At most the full diameter (≤ side); at least half the smallest one (an ellipse cut by the border).
          expect(hi - lo + 1).toBeLessThanOrEqual(side);
          expect(hi - lo + 1).toBeGreaterThanOrEqual(Math.floor(0.15 * side));
        });
        // Solid: along the last axis, each row's painted voxels are one run.
        const last = shape[shape.length - 1]!;
        const rows = new Map<number, number[]>();
        for (const i of painted) rows.set(Math.floor(i / last), [...(rows.get(Math.floor(i / last)) ?? []), i % last]);
        for (const xs of rows.values()) expect(Math.max(...xs) - Math.min(...xs) + 1).toBe(xs.length);
      }
    }
  });

  it('is reproducible from the RNG and sometimes paints, sometimes only warps', () => {
    const p = square(32, 32, 8, 24);
    const outs = Array.from({ length: 16 }, (_, seed) => perturbProbability(p, [32, 32], createRng(seed), 3));
    outs.forEach((o, seed) => {
      expect(perturbProbability(p, [32, 32], createRng(seed), 3)).toEqual(o);
    });
    // perturbProbability warps first with the same draws; a painted ellipse is what differs.
    const painted = outs.filter((o, seed) => {
      const warped = warpProbability(p, [32, 32], createRng(seed), 3);
      return o.some((v, i) => v !== warped[i]);
    });
    expect(painted.length).toBeGreaterThan(2);
    expect(painted.length).toBeLessThan(16);
  });
});

describe('R-Net training batches with perturbed first rounds', () => {
  // A P-Net that returns the square exactly (logits ±5 from the image, which is the label).
  const exact = {
    predict: (x: tf.Tensor) => tf.tidy(() => {
      const v = tf.sub(tf.mul(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), 10), 5);
      return tf.concat([tf.neg(v), v], -1);
    }),
  };
  const sample = () => {
    const label = Uint8Array.from(square(32, 32, 8, 24));
    return { image: { data: Float32Array.from(label), shape: [32, 32], channels: 1, spacing: [1, 1] }, label };
  };
  const config = { trainingRounds: 1, fallbackClickProbability: 1, noSeedProbability: 0, lambda: 1, interactionMode: 'clicks' as const };
  const inputProbability = (s: { image: { data: Float32Array }; label: Uint8Array }) =>
    Array.from({ length: s.label.length }, (_, i) => s.image.data[i * 4 + 1]!);

  const errorsOf = (s: { image: { data: Float32Array }; label: Uint8Array }) =>
    inputProbability(s).reduce((n, v, i) => n + ((v > 0.5 ? 1 : 0) !== s.label[i] ? 1 : 0), 0);

  it('with perturbInput 0 or absent, batches and the random sequence are what they were', async () => {
    const rngA = createRng(5);
    const rngB = createRng(5);
    const a = await rnetTrainingBatch(exact, Array.from({ length: 4 }, sample), rngA, config);
    const b = await rnetTrainingBatch(exact, Array.from({ length: 4 }, sample), rngB, { ...config, perturbInput: 0, perturbSigma: 6 });
    expect(b).toEqual(a);
    // The state the code before perturbInput existed left (recorded from it): no extra draws.
    expect(rngA.state()).toBe(3157133628);
    expect(rngB.state()).toBe(3157133628);
    for (const s of a) expect(errorsOf(s)).toBe(0);
  }, 30_000);

  it('perturbs about perturbInput of the samples, and the user clicks the errors it made', async () => {
    const batch = await rnetTrainingBatch(exact, Array.from({ length: 16 }, sample), createRng(5), { ...config, perturbInput: 0.5, perturbSigma: 6 });
    const errors = batch.map(errorsOf);
    const perturbed = errors.filter((e) => e > 0).length;
    expect(perturbed).toBeGreaterThan(2);
    expect(perturbed).toBeLessThan(14);
    batch.forEach((s, k) => {
      if (errors[k]! > 0) expect(s.fgSeeds!.some((v) => v) || s.bgSeeds!.some((v) => v)).toBe(true);
    });
  }, 30_000);

  it('perturbSigma sets the warp: 0 with no ellipse leaves the input as P-Net gave it', async () => {
    // With sigma 0 only ellipses change the input: some samples stay exact, the others differ by a painted region.
    const batch = await rnetTrainingBatch(exact, Array.from({ length: 16 }, sample), createRng(9), { ...config, perturbInput: 1, perturbSigma: 0 });
    const errors = batch.map(errorsOf);
    expect(errors.filter((e) => e === 0).length).toBeGreaterThan(2);
    expect(errors.filter((e) => e > 0).length).toBeGreaterThan(2);
  }, 30_000);

  it('validation inputs are never perturbed', async () => {
    const val = await rnetValidationSamples(exact, Array.from({ length: 6 }, sample), createRng(5), { ...config, perturbInput: 1, perturbSigma: 6 });
    for (const s of val) expect(errorsOf(s)).toBe(0);
  }, 30_000);
});
