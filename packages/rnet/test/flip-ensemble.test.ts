// Test-time flips: the ensemble equals the mean over flipped inputs computed by brute force.
import { initBackend } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { flipEnsemble, OptionError, type SegmentationNetwork, ShapeError, testTimeFlipAxes, trainedWithFlips } from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

/** A network that is not flip-invariant: l0 = 0, l1 = x · ramp, ramp[i] = i + 1 over the flat spatial index. */
function rampNetwork(): SegmentationNetwork {
  return {
    predict: (x) =>
      tf.tidy(() => {
        const spatial = x.shape.slice(1, -1);
        const n = spatial.reduce((a, b) => a * b, 1);
        const ramp = tf.tensor(Float32Array.from({ length: n }, (_, i) => i + 1), [1, ...spatial, 1]);
        const l1 = tf.mul(tf.slice(x, Array(x.rank).fill(0), [...x.shape.slice(0, -1), 1]), ramp);
        return tf.concat([tf.zerosLike(l1), l1], -1);
      }),
  };
}

/** Flat index of (h, w) in an H×W grid after flipping the axes in `flip` (0 = H, 1 = W). */
const flipped = (h: number, w: number, H: number, W: number, flip: number[]) => (flip.includes(0) ? H - 1 - h : h) * W + (flip.includes(1) ? W - 1 - w : w);

describe('flipEnsemble', () => {
  it('averages the logits over every subset of flips, each flipped back (brute force, 2D)', async () => {
    const [H, W] = [3, 4];
    const values = Float32Array.from({ length: H * W }, (_, i) => Math.sin(i + 1));
    const x = tf.tensor(values, [1, H, W, 1]);
    for (const axes of [[0], [1], [0, 1], [1, 0]]) {
      const subsets = axes.length === 1 ? [[], axes] : [[], [0], [1], [0, 1]];
      const before = tf.memory().numTensors;
      const out = (await flipEnsemble(rampNetwork(), axes).predict(x)) as tf.Tensor;
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(out.shape).toEqual([1, H, W, 2]);
      const got = (await out.data()) as Float32Array;
      out.dispose();
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const mean = subsets.reduce((s, f) => s + flipped(h, w, H, W, f) + 1, 0) / subsets.length;
          expect(got[(h * W + w) * 2]).toBe(0);
          expect(got[(h * W + w) * 2 + 1]).toBeCloseTo(values[h * W + w]! * mean, 5);
        }
      }
    }
    x.dispose();
  });

  it('flips the depth axis of a 3D input (single sample, reversed as rank 4) and the in-plane ones', async () => {
    const [D, H, W] = [3, 2, 4];
    const values = Float32Array.from({ length: D * H * W }, (_, i) => Math.cos(i + 1));
    const x = tf.tensor(values, [1, D, H, W, 1]);
    const out = (await flipEnsemble(rampNetwork(), [0, 2]).predict(x)) as tf.Tensor;
    const got = (await out.data()) as Float32Array;
    tf.dispose([x, out]);
    const at = (d: number, h: number, w: number) => (d * H + h) * W + w;
    for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
      // Ramp value seen by voxel (d, h, w) under each of the four flips (depth, width, both, none).
      const seen = [at(d, h, w), at(D - 1 - d, h, w), at(d, h, W - 1 - w), at(D - 1 - d, h, W - 1 - w)].map((i) => i + 1);
      expect(got[at(d, h, w) * 2 + 1]).toBeCloseTo((values[at(d, h, w)]! * seen.reduce((a, b) => a + b, 0)) / 4, 5);
    }
  });

  it('leaves a flip-equivariant network unchanged (3D, depth axis included)', async () => {
    const pointwise: SegmentationNetwork = { predict: (x) => tf.tidy(() => tf.concat([tf.neg(x), tf.mul(x, 2)], -1)) };
    const x = tf.randomNormal([1, 3, 4, 5, 1], 0, 1, 'float32', 7);
    const direct = await pointwise.predict(x);
    const ensemble = await flipEnsemble(pointwise, [0, 1, 2]).predict(x);
    const [a, b] = [await (direct as tf.Tensor).data(), await (ensemble as tf.Tensor).data()];
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    tf.dispose([x, direct as tf.Tensor, ensemble as tf.Tensor]);
  });

  it('keeps the caller\'s input when the network hands it back', async () => {
    const identity: SegmentationNetwork = { predict: (t) => t };
    const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const out = (await flipEnsemble(identity, [0, 1]).predict(x)) as tf.Tensor;
    expect(x.isDisposed).toBe(false);
    expect(Array.from(await out.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    tf.dispose([x, out]);
  });

  it('refuses bad axes with typed errors and leaks nothing', async () => {
    for (const axes of [[-1], [0, 0], [1.5], 'w' as unknown as number[]]) expect(() => flipEnsemble(rampNetwork(), axes)).toThrow(OptionError);
    const x = tf.zeros([1, 3, 4, 1]);
    const before = tf.memory().numTensors;
    await expect(flipEnsemble(rampNetwork(), [2]).predict(x)).rejects.toThrow(ShapeError);
    const broken: SegmentationNetwork = { predict: (t) => tf.zeros([...t.shape.slice(0, -1), 3]) };
    await expect(flipEnsemble(broken, [0]).predict(x)).rejects.toThrow(ShapeError);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('testTimeFlipAxes: auto flips 2D nets only, flip every axis, none nothing', () => {
    expect(testTimeFlipAxes('auto', 2)).toEqual([0, 1]);
    expect(testTimeFlipAxes('auto', 3)).toEqual([]);
    expect(testTimeFlipAxes('flip', 2)).toEqual([0, 1]);
    expect(testTimeFlipAxes('flip', 3)).toEqual([0, 1, 2]);
    expect(testTimeFlipAxes('none', 2)).toEqual([]);
    expect(() => testTimeFlipAxes('mirror' as never, 2)).toThrow(OptionError);
    // A network never shown a flipped image: auto leaves it alone, flip still flips on request.
    expect(testTimeFlipAxes('auto', 2, false)).toEqual([]);
    expect(testTimeFlipAxes('flip', 2, false)).toEqual([0, 1]);
  });

  it('trainedWithFlips: augmentation on with a flip probability above 0 (0.5 when absent)', () => {
    expect(trainedWithFlips({})).toBe(true);
    expect(trainedWithFlips({ augment: { flipProbability: 0.2 } })).toBe(true);
    expect(trainedWithFlips({ augment: { flipProbability: 0 } })).toBe(false);
    expect(trainedWithFlips({ augment: { enabled: false, flipProbability: 0.5 } })).toBe(false);
  });
});
