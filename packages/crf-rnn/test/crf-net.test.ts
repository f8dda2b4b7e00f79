import { ShapeError as PNetShapeError } from '@deepigeos/pnet/errors';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, type CrfNetF, CrfNetFU, crfNetF, crfNetFU, ShapeError } from '../src/index.js';
import { checkGradient } from './fd.js';
import { type Grid, meanFieldReference, windowPairwise } from './reference.js';
import { forEachKernelBackend, outputsPerBackend, randomiseWeights, randomTensor, useCpu, weightsByName } from './setup.js';

beforeAll(useCpu);

/** The layer's Pairwise-Net weights as plain arrays for the reference. */
function netOf(layer: CrfNetF) {
  const w = weightsByName(layer);
  const kernels: Float32Array[] = [];
  const shapes: number[][] = [];
  const biases: Float32Array[] = [];
  for (let i = 0; w.has(`pairwise_kernel_${i}`); i++) {
    kernels.push(w.get(`pairwise_kernel_${i}`)!.data);
    shapes.push(w.get(`pairwise_kernel_${i}`)!.shape);
    biases.push(w.get(`pairwise_bias_${i}`)!.data);
  }
  return { net: { kernels, shapes, biases }, compat: w.get('compatibility')!.data };
}

const cases = [
  { name: '2D 6x7, 3 labels, 2 channels, window 5x5, spacing [1, 0.7]', shape: [6, 7], labels: 3, channels: 2, window: [5, 5], spacing: [1, 0.7] },
  { name: '3D 3x4x5, 2 labels, 1 channel, window 3x3x3, spacing [2, 1, 1]', shape: [3, 4, 5], labels: 2, channels: 1, window: [3, 3, 3], spacing: [2, 1, 1] },
];

describe('CrfNetF: mean field against a direct dense implementation', () => {
  for (const c of cases) {
    it(c.name, () => {
      const unaries = randomTensor([1, ...c.shape, c.labels], 1);
      const image = randomTensor([1, ...c.shape, c.channels], 2);
      const layer = crfNetF({ window: c.window, spacing: c.spacing, inferenceIterations: 4, tableBins: 0 });
      layer.apply([unaries, image]);
      randomiseWeights(layer, 5);
      const got = (layer.apply([unaries, image]) as tf.Tensor).dataSync();
      const grid: Grid = { shape: c.shape, labels: c.labels, channels: c.channels };
      const { net, compat } = netOf(layer);
      const K = c.window.reduce((a, b) => a * b, 1) - 1;
      const imageData = image.dataSync() as Float32Array;
      const want = meanFieldReference(grid, unaries.dataSync() as Float32Array, windowPairwise(grid, imageData, c.window, c.spacing, net), () => 1 / K, compat, 4);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-4);
    });
  }
});

describe('CrfNetF: tabulated Pairwise-Net (single-channel inference fast path)', () => {
  // Widths not a multiple of 8 exercise the kernels' scalar row tails too.
  for (const shape of [[32, 43], [8, 16, 13]]) {
    forEachKernelBackend((backend) => it(`${shape.length}D (${backend}): equals the exact path to 1e-3 and is used only outside training`, () => {
      const unaries = randomTensor([2, ...shape, 2], 1);
      const image = randomTensor([2, ...shape, 1], 2, 3);
      const exact = crfNetF({ tableBins: 0 });
      const fast = crfNetF();
      exact.apply([unaries, image]);
      fast.apply([unaries, image]);
      randomiseWeights(exact, 3, 1);
      fast.setWeights(exact.getWeights());
      const a = (exact.apply([unaries, image]) as tf.Tensor).dataSync();
      const b = (fast.apply([unaries, image]) as tf.Tensor).dataSync();
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst).toBeLessThan(1e-3);
      expect(worst).toBeGreaterThan(0); // the table really was used
      // Under a gradient tape the exact path runs, so image and weight gradients exist.
      const [gImage] = tf.grads((x: tf.Tensor) => tf.sum(fast.apply([unaries, x]) as tf.Tensor))([image]);
      expect(tf.max(tf.abs(gImage!)).dataSync()[0]).toBeGreaterThan(0);
    }));
  }
});

/** A batch of 2 random unaries/images of `shape` with a fg seed every `fgStep` voxels and bg seeds from `bgStart` every `bgStep`. */
function seededBatch(shape: number[], seed: number, fgStep: number, bgStart: number, bgStep: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const fgData = new Float32Array(2 * n);
  const bgData = new Float32Array(2 * n);
  for (let i = 0; i < 2 * n; i += fgStep) fgData[i] = 1;
  for (let i = bgStart; i < 2 * n; i += bgStep) if (!fgData[i]) bgData[i] = 1;
  return {
    n,
    unaries: randomTensor([2, ...shape, 2], seed),
    image: randomTensor([2, ...shape, 1], seed + 2, 2),
    fg: tf.tensor(fgData, [2, ...shape, 1]),
    bg: tf.tensor(bgData, [2, ...shape, 1]),
    fgData,
    bgData,
  };
}

describe('CrfNetFU: tabulated 2-label inference path', () => {
  for (const shape of [[40, 53], [6, 15, 19]]) {
    forEachKernelBackend((backend) => it(`${shape.length}D (${backend}): equals the exact path with seeds to 1e-3 and honours every seed`, () => {
      const { n, unaries, image, fg, bg, fgData, bgData } = seededBatch(shape, 4, 11, 5, 13);
      const exact = crfNetFU({ tableBins: 0 });
      const fast = crfNetFU();
      exact.apply([unaries, image, fg, bg]);
      fast.apply([unaries, image, fg, bg]);
      randomiseWeights(exact, 13, 1);
      fast.setWeights(exact.getWeights());
      const a = (exact.apply([unaries, image, fg, bg]) as tf.Tensor).dataSync();
      const b = (fast.apply([unaries, image, fg, bg]) as tf.Tensor).dataSync();
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst).toBeLessThan(1e-3);
      expect(worst).toBeGreaterThan(0);
      for (let i = 0; i < 2 * n; i++) {
        if (fgData[i]) expect(b[2 * i + 1]! > b[2 * i]!, `fg seed ${i}`).toBe(true);
        if (bgData[i]) expect(b[2 * i]! > b[2 * i + 1]!, `bg seed ${i}`).toBe(true);
      }
    }));
  }
});

describe('CrfNetFU: the WebAssembly kernels and the TypeScript loops agree', () => {
  // The kernel runs every iteration in one wavefront pass over the rows; odd and even iteration
  // counts and windows of depth radius 0 to 2 change how far each iteration runs behind the last.
  const cases: { shape: number[]; window?: number[]; inferenceIterations?: number }[] = [
    { shape: [37, 21] },
    { shape: [5, 12, 16] },
    { shape: [4, 9, 11] },
    { shape: [7, 6, 10], window: [5, 3, 3], inferenceIterations: 3 },
    { shape: [29, 9], window: [3, 7], inferenceIterations: 1 },
    // Windows one row high: every iteration on the same row, in order.
    { shape: [6, 7, 9], window: [1, 1, 5], inferenceIterations: 2 },
    { shape: [8, 13], window: [1, 5], inferenceIterations: 4 },
  ];
  it('2D and 3D, batch of 2, seeds, widths with and without a multiple of 8, 1 to 10 iterations', () => {
    for (const { shape, ...options } of cases) {
      const { unaries, image, fg, bg } = seededBatch(shape, 21, 17, 3, 19);
      const inputs = [unaries, image, fg, bg];
      const layer = crfNetFU({ tableBins: 512, ...options });
      layer.apply(inputs);
      randomiseWeights(layer, 23, 1);
      const [wasm, ts] = outputsPerBackend(() => (layer.apply(inputs) as tf.Tensor).dataSync());
      let worst = 0;
      for (let i = 0; i < wasm.length; i++) worst = Math.max(worst, Math.abs(wasm[i]! - ts[i]!));
      // 16-bit weights (step 1.5e-5) and float32 arithmetic in the kernel vs float64 loops.
      expect(worst, shape.join('x')).toBeLessThan(1e-4);
    }
  });
});

/** Gradient check of sum(r ⊙ layer([inputs])) w.r.t. every input and every weight. */
function checkLayerGradients(layer: CrfNetF, inputs: tf.Tensor[], differentiable: number[]) {
  const r = randomTensor(inputs[0]!.shape, 99);
  const lossOf = (xs: tf.Tensor[]) => tf.tidy(() => tf.sum(tf.mul(r, layer.apply(xs, { training: true }) as tf.Tensor)).dataSync()[0]!);
  const inputGrads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(r, layer.apply(xs, { training: true }) as tf.Tensor)))(inputs);
  const results: Record<string, number> = {};
  for (const i of differentiable) {
    const { worst } = checkGradient((x) => lossOf(inputs.map((t, k) => (k === i ? x : t))), inputs[i]!, inputGrads[i]!, 12, 10 + i);
    results[`input ${i}`] = worst;
  }
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(r, layer.apply(inputs, { training: true }) as tf.Tensor)) as tf.Scalar);
  for (const v of layer.weights) {
    const variable = v.read() as tf.Variable;
    const original = variable.clone();
    const { worst } = checkGradient(
      (x) => {
        variable.assign(x);
        const value = lossOf(inputs);
        variable.assign(original);
        return value;
      },
      original,
      grads[variable.name]!,
      10,
      3,
    );
    results[v.name.split('/').pop()!] = worst;
  }
  return results;
}

describe('CrfNetF / CrfNetFU: gradients against finite differences', () => {
  it('2D CrfNetF w.r.t. unaries, image and every weight', () => {
    const layer = crfNetF({ window: [3, 3], trainIterations: 3, hiddenUnits: [6, 4], spacing: [1, 1.5] });
    const inputs = [randomTensor([1, 5, 6, 3], 1), randomTensor([1, 5, 6, 2], 2, 0.5)];
    layer.apply(inputs);
    randomiseWeights(layer, 7, 0.8);
    const worst = checkLayerGradients(layer, inputs, [0, 1]);
    expect(Object.keys(worst)).toHaveLength(2 + 7);
    for (const [name, w] of Object.entries(worst)) expect(w, name).toBeLessThan(1);
  });
  it('3D CrfNetF w.r.t. unaries, image and every weight', () => {
    const layer = crfNetF({ window: [3, 3, 3], trainIterations: 2, hiddenUnits: [5] });
    const inputs = [randomTensor([1, 3, 4, 4, 2], 3), randomTensor([1, 3, 4, 4, 1], 4, 0.5)];
    layer.apply(inputs);
    randomiseWeights(layer, 9, 0.8);
    for (const [name, w] of Object.entries(checkLayerGradients(layer, inputs, [0, 1]))) expect(w, name).toBeLessThan(1);
  });
  it('2D CrfNetFU w.r.t. unaries, image and every weight (seeds fixed)', () => {
    const layer = crfNetFU({ window: [3, 3], trainIterations: 3, hiddenUnits: [6] });
    const fg = tf.buffer([1, 5, 6, 1]);
    fg.set(1, 0, 1, 1, 0);
    const bg = tf.buffer([1, 5, 6, 1]);
    bg.set(1, 0, 4, 5, 0);
    const inputs = [randomTensor([1, 5, 6, 2], 1), randomTensor([1, 5, 6, 1], 2, 0.5), fg.toTensor(), bg.toTensor()];
    layer.apply(inputs);
    randomiseWeights(layer, 11, 0.8);
    for (const [name, w] of Object.entries(checkLayerGradients(layer, inputs, [0, 1]))) expect(w, name).toBeLessThan(1);
  });
});

describe('CrfNetFU: seeds are hard constraints', () => {
  it('output argmax equals the seed label at every seeded voxel, in 2D and 3D, and seeds sway neighbours', () => {
    for (const shape of [[12, 13], [4, 8, 9]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      // Unaries strongly disagree with the seeds everywhere.
      const unaries = tf.tidy(() => tf.concat([tf.fill([1, ...shape, 1], 3), tf.fill([1, ...shape, 1], -3)], -1));
      const image = randomTensor([1, ...shape, 1], 5, 0.1);
      const fgData = new Float32Array(n);
      const bgData = new Float32Array(n);
      for (let i = 0; i < n; i += 7) fgData[i] = 1;
      bgData[3] = 1;
      const fg = tf.tensor(fgData, [1, ...shape, 1]);
      const bg = tf.tensor(bgData, [1, ...shape, 1]);
      const layer = crfNetFU({ pottsWeight: 8 });
      const out = (layer.apply([unaries, image, fg, bg]) as tf.Tensor).dataSync();
      for (let i = 0; i < n; i++) {
        if (fgData[i]) expect(out[i * 2 + 1]! > out[i * 2]!, `fg seed ${i}`).toBe(true);
        if (bgData[i]) expect(out[i * 2]! > out[i * 2 + 1]!, `bg seed ${i}`).toBe(true);
      }
      // A voxel next to a foreground seed leans further to foreground than without seeds.
      const free = (crfNetFU({ pottsWeight: 8 }).apply([unaries, image, tf.zerosLike(fg), tf.zerosLike(bg)]) as tf.Tensor).dataSync();
      const neighbour = 7 + 1;
      expect(out[neighbour * 2 + 1]! - out[neighbour * 2]!).toBeGreaterThan(free[neighbour * 2 + 1]! - free[neighbour * 2]! + 0.1);
    }
  });
});

describe('CrfNetF / CrfNetFU: bad input', () => {
  const u = tf.zeros([1, 6, 6, 2]);
  const img = tf.zeros([1, 6, 6, 1]);
  const mask = tf.zeros([1, 6, 6, 1]);
  it('rejects shape mismatches between unaries, image and seeds', () => {
    expect(() => crfNetF().apply([u, tf.zeros([1, 6, 5, 1])])).toThrow(ShapeError);
    expect(() => crfNetF().apply([u, tf.zeros([1, 6, 5, 1])])).toThrow(/image must be \[1, 6, 6, C\]/);
    expect(() => crfNetF().apply([tf.zeros([6, 6, 2]), tf.zeros([6, 6, 1])])).toThrow(/rank 4 or 5/);
    expect(() => crfNetF().apply([u])).toThrow(/expected 2 inputs/);
    expect(() => crfNetFU().apply([u, img, tf.zeros([1, 6, 6, 2]), mask])).toThrow(/fgSeeds must be \[1, 6, 6, 1\]/);
    expect(() => crfNetFU().apply([tf.zeros([1, 6, 6, 3]), img, mask, mask])).toThrow(/2 labels/);
    const built = crfNetF();
    built.apply([u, img]);
    expect(() => built.apply([u, tf.zeros([1, 6, 6, 2])])).toThrow(/built for 1-channel 2D images, got 2 channels/);
  });
  it('throws the pipeline-wide ShapeError class of @deepigeos/pnet', () => {
    expect(ShapeError).toBe(PNetShapeError);
    expect(() => crfNetF().apply([u, tf.zeros([1, 6, 5, 1])])).toThrow(PNetShapeError);
  });
  it('rejects non-finite values and bad seeds', () => {
    const nan = tf.tensor([Number.NaN, ...new Array(71).fill(0)], [1, 6, 6, 2]);
    expect(() => crfNetF().apply([nan, img])).toThrow(ArgumentError);
    expect(() => crfNetF().apply([nan, img])).toThrow(/unaryLogits must hold only finite values; found NaN at flat index 0/);
    expect(() => crfNetF().apply([u, tf.fill([1, 6, 6, 1], Number.POSITIVE_INFINITY)])).toThrow(/image must hold only finite/);
    expect(() => crfNetFU().apply([u, img, tf.fill([1, 6, 6, 1], 0.5), mask])).toThrow(/only 0 or 1/);
    expect(() => crfNetFU().apply([u, img, tf.ones([1, 6, 6, 1]), tf.ones([1, 6, 6, 1])])).toThrow(/both mark/);
  });
  it('rejects bad options', () => {
    expect(() => crfNetF({ window: [4, 5] })).toThrow(/window\[0\] must be an odd integer/);
    expect(() => crfNetF({ trainIterations: 0 })).toThrow(/trainIterations must be an integer >= 1/);
    expect(() => crfNetF({ hiddenUnits: [8, 0] })).toThrow(/hiddenUnits\[1\]/);
    expect(() => crfNetFU({ seedLogit: -1 })).toThrow(/seedLogit must be a finite number > 0/);
    expect(() => crfNetF({ spacing: [1, 1, 1] }).apply([u, img])).toThrow(/spacing must be 2 finite numbers/);
    expect(() => crfNetF({ window: [3, 3, 3] }).apply([u, img])).toThrow(/window must have 2 sizes/);
  });
});

describe('CrfNetF: serialisation', () => {
  it('round-trips a model through toJSON/weights and reproduces its output', async () => {
    const { input, model, loadLayersModel, io } = await import('@tensorflow/tfjs-layers').then((m) => ({ ...m, io: tf.io }));
    const logits = input({ shape: [8, 8, 2] });
    const image = input({ shape: [8, 8, 1] });
    const fg = input({ shape: [8, 8, 1] });
    const bg = input({ shape: [8, 8, 1] });
    const crf = new CrfNetFU({ window: [3, 5], spacing: [1.5, 1], hiddenUnits: [4], seedLogit: 7 });
    const m = model({ inputs: [logits, image, fg, bg], outputs: crf.apply([logits, image, fg, bg]) as never });
    randomiseWeights(crf, 21);
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await loadLayersModel(io.fromMemory(saved!));
    const xs = [randomTensor([1, 8, 8, 2], 1), randomTensor([1, 8, 8, 1], 2), tf.zeros([1, 8, 8, 1]), tf.zeros([1, 8, 8, 1])];
    const a = (m.predict(xs) as tf.Tensor).dataSync();
    const b = (loaded.predict(xs) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(loaded.layers.at(-1)!.getConfig()).toMatchObject({ window: [3, 5], spacing: [1.5, 1], hiddenUnits: [4], seedLogit: 7 });
    expect(loaded.layers.at(-1)).toBeInstanceOf(CrfNetFU);
  });
});
