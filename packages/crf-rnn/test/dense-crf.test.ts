import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DenseCrf, denseCrf, ShapeError } from '../src/index.js';
import { checkGradient } from './fd.js';
import { type Grid, gaussianKernel, meanFieldReference, softmaxRows } from './reference.js';
import { randomTensor, useCpu, weightsByName } from './setup.js';

beforeAll(useCpu);

/** A two-region image (left/right halves at 0.2 / 0.8) with mild noise. */
function twoRegionImage(shape: number[], seed: number): tf.Tensor {
  const noise = randomTensor([1, ...shape, 1], seed, 0.03).dataSync();
  const n = shape.reduce((a, b) => a * b, 1);
  const w = shape.at(-1)!;
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => ((i % w) < w / 2 ? 0.2 : 0.8) + noise[i]!), [1, ...shape, 1]);
}

describe('DenseCrf: mean field against a direct dense implementation (exact Gaussians)', () => {
  for (const c of [
    { name: '2D 10x12', shape: [10, 12], spacing: [1, 1], labels: 2 },
    { name: '3D 4x6x6, anisotropic spacing', shape: [4, 6, 6], spacing: [2, 1, 1], labels: 3 },
  ]) {
    it(`${c.name}: same fixed point (Q within 0.02 after 20 iterations)`, () => {
      const opts = { thetaAlpha: 4, thetaBeta: 0.2, thetaGamma: 2, spacing: c.spacing, appearanceWeight: 4, smoothnessWeight: 2 };
      const unaries = randomTensor([1, ...c.shape, c.labels], 3);
      const image = twoRegionImage(c.shape, 4);
      const layer = denseCrf({ ...opts, inferenceIterations: 20 });
      const got = tf.softmax(layer.apply([unaries, image]) as tf.Tensor).dataSync();
      const grid: Grid = { shape: c.shape, labels: c.labels, channels: 1 };
      const img = image.dataSync() as Float32Array;
      const ka = gaussianKernel(grid, img, c.spacing, opts.thetaAlpha, opts.thetaBeta);
      const ks = gaussianKernel(grid, img, c.spacing, opts.thetaGamma, null);
      const n = img.length;
      const norm = (k: (i: number, j: number) => number) => Float64Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < n; j++) s += k(i, j);
        return 1 / s;
      });
      const na = norm(ka);
      const ns = norm(ks);
      // Fold both normalised kernels and weights into one pairwise term; the norm is per-row.
      const pairwise = (i: number, j: number) => opts.appearanceWeight * na[i]! * ka(i, j) + opts.smoothnessWeight * ns[i]! * ks(i, j);
      const compat = weightsByName(layer).get('compatibility')!.data;
      const want = softmaxRows(meanFieldReference(grid, unaries.dataSync() as Float32Array, pairwise, () => 1, compat, 20), c.labels);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(0.02);
      // The CRF changed the labelling noticeably, so agreement is not trivial.
      const unaryQ = tf.softmax(unaries).dataSync();
      let moved = 0;
      for (let i = 0; i < want.length; i++) moved = Math.max(moved, Math.abs(unaryQ[i]! - want[i]!));
      expect(moved).toBeGreaterThan(0.2);
    });
  }
});

describe('DenseCrf: gradients against finite differences', () => {
  for (const shape of [[6, 7], [3, 4, 5]]) {
    it(`${shape.length}D w.r.t. unaries and every weight`, () => {
      const layer = denseCrf({ thetaAlpha: 3, thetaBeta: 0.3, thetaGamma: 1.5, trainIterations: 3 });
      const unaries = randomTensor([2, ...shape, 3], 1);
      const image = tf.concat([twoRegionImage(shape, 2), twoRegionImage(shape, 5)], 0);
      layer.apply([unaries, image]);
      layer.setWeights([tf.scalar(2.5), tf.scalar(-1.2), randomTensor([3, 3], 8)]);
      const r = randomTensor(unaries.shape, 9);
      const lossOf = (u: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(r, layer.apply([u, image], { training: true }) as tf.Tensor)).dataSync()[0]!);
      const [gu] = tf.grads((u: tf.Tensor) => tf.sum(tf.mul(r, layer.apply([u, image], { training: true }) as tf.Tensor)))([unaries]);
      expect(checkGradient(lossOf, unaries, gu!, 16, 1).worst).toBeLessThan(1);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(r, layer.apply([unaries, image], { training: true }) as tf.Tensor)) as tf.Scalar);
      expect(Object.keys(grads)).toHaveLength(3);
      for (const v of layer.weights) {
        const variable = v.read() as tf.Variable;
        const original = variable.clone();
        const loss = (x: tf.Tensor) => {
          variable.assign(x);
          const value = lossOf(unaries);
          variable.assign(original);
          return value;
        };
        expect(checkGradient(loss, original, grads[variable.name]!, 9, 2).worst, v.name).toBeLessThan(1);
      }
    });
  }
});

describe('DenseCrf: effect and bad input', () => {
  it('smooths a noisy labelling towards the image regions', () => {
    const shape = [16, 16];
    const image = twoRegionImage(shape, 1);
    const truth = Float32Array.from(image.dataSync(), (v) => (v > 0.5 ? 1 : 0));
    const noise = randomTensor([1, ...shape, 1], 2, 1.2).dataSync();
    const logit = Float32Array.from(truth, (t, i) => (t ? 0.7 : -0.7) + noise[i]!);
    const unaries = tf.concat([tf.zeros([1, ...shape, 1]), tf.tensor(logit, [1, ...shape, 1])], -1);
    const accuracy = (u: tf.Tensor) => {
      const d = u.dataSync();
      let right = 0;
      for (let i = 0; i < truth.length; i++) right += (d[i * 2 + 1]! > d[i * 2]! ? 1 : 0) === truth[i] ? 1 : 0;
      return right / truth.length;
    };
    const refined = denseCrf({ thetaAlpha: 5, thetaBeta: 0.1, thetaGamma: 2, appearanceWeight: 5 }).apply([unaries, image]) as tf.Tensor;
    expect(accuracy(refined)).toBeGreaterThan(accuracy(unaries) + 0.1);
  });
  it('rejects mismatched shapes, non-finite values and bad options', () => {
    const u = tf.zeros([1, 5, 5, 2]);
    expect(() => denseCrf().apply([u, tf.zeros([1, 5, 4, 1])])).toThrow(ShapeError);
    expect(() => denseCrf().apply([u, tf.zeros([2, 5, 5, 1])])).toThrow(/image must be \[1, 5, 5, C\]/);
    expect(() => denseCrf().apply([u, tf.fill([1, 5, 5, 1], Number.NaN)])).toThrow(/image must hold only finite values/);
    expect(() => denseCrf().apply([tf.zeros([1, 5, 5, 1]), tf.zeros([1, 5, 5, 1])])).toThrow(/at least 2 labels/);
    expect(() => denseCrf({ thetaBeta: 0 })).toThrow(ArgumentError);
    expect(() => denseCrf({ thetaBeta: 0 })).toThrow(/thetaBeta must be a finite number > 0, got 0/);
    expect(() => denseCrf({ appearanceWeight: Number.NaN })).toThrow(/appearanceWeight must be a finite number/);
    expect(() => denseCrf({ spacing: [1, 1, 1] }).apply([u, tf.zeros([1, 5, 5, 1])])).toThrow(/spacing must be 2 finite numbers/);
    const built = denseCrf();
    built.apply([u, tf.zeros([1, 5, 5, 1])]);
    expect(() => built.apply([tf.zeros([1, 5, 5, 3]), tf.zeros([1, 5, 5, 1])])).toThrow(/built for 2 labels/);
  });
  it('serialises its configuration', () => {
    const layer = new DenseCrf({ thetaAlpha: 7, spacing: [2, 1, 1], inferenceIterations: 4 });
    const copy = tf.serialization.SerializationMap.getMap().classNameMap['DenseCrf']![1](
      tf.serialization.SerializationMap.getMap().classNameMap['DenseCrf']![0] as never,
      layer.getConfig(),
    ) as DenseCrf;
    expect(copy).toBeInstanceOf(DenseCrf);
    expect(copy.getConfig()).toMatchObject({ thetaAlpha: 7, spacing: [2, 1, 1], inferenceIterations: 4, trainIterations: 5 });
    expect(copy.iterations(false)).toBe(4);
  });
});
