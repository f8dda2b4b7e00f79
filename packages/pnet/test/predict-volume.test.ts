import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ShapeError } from '../src/errors.js';
import { depthStreamPlan, streamDepth } from '../src/inference/depth-stream.js';
import { predictVolume } from '../src/inference/predict-volume.js';
import { receptiveFieldMargin } from '../src/inference/receptive-field.js';
import { BatchNormND } from '../src/layers/batch-norm.js';
import { ChannelConcat } from '../src/layers/channel-concat.js';
import { DilatedConv } from '../src/layers/dilated-conv.js';
import { PNetBlock } from '../src/layers/pnet-block.js';
import { createPNet2D, createPNet3D } from '../src/models/pnet.js';
import { maxAbsDiff, randomArray } from './reference.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Whole-volume softmax prediction, the reference. */
function whole(model: ReturnType<typeof createPNet3D>, data: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => tf.softmax(model.predict(tf.tensor(data, [1, ...shape])) as tf.Tensor).dataSync() as Float32Array);
}

describe('predictVolume', () => {
  it('receptive-field margins of the P-Nets', () => {
    expect(receptiveFieldMargin(createPNet3D({ inputChannels: 1, numClasses: 2 }))).toEqual([32, 91, 91]);
    expect(receptiveFieldMargin(createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 }))).toEqual([0, 90, 90]);
  });

  it('3D: equals the whole-volume prediction (default exact margin, with overlap)', async () => {
    // A 3D P-Net with few channels keeps this fast; margins are what matter.
    const model = createPNet3D({ inputChannels: 2, numClasses: 3, channels: 4 });
    const shape = [40, 14, 12, 2];
    const data = randomArray(shape.reduce((a, b) => a * b), 11);
    const progress: number[] = [];
    const totals = new Set<number>();
    const out = await predictVolume(model, { data, shape }, { patchSize: [10, 8, 8], overlap: 0.25, onProgress: (d, t) => { progress.push(d); totals.add(t); } });
    expect(out.shape).toEqual([40, 14, 12, 3]);
    const ref = whole(model, data, shape);
    expect(maxAbsDiff(out.data, ref)).toBeLessThan(1e-5);
    expect(progress.length).toBeGreaterThan(8);
    expect(progress[0]).toBe(0); // announced before the first window
    expect(progress.at(-1)).toBe(progress.length - 1);
    expect([...totals]).toEqual([progress.at(-1)]); // one total, reached exactly: never 19 of 18
  });

  it('depth streaming: any row range from partial input rows equals the whole-volume logits (BN, branches, even and dilated kernels)', () => {
    // A graph exercising every streamed node kind: a batch-normed block, a branch that skips it,
    // a standalone BatchNormND, an even depth kernel (asymmetric halo) and a depth dilation of 3.
    const input = tfl.input({ shape: [null, null, null, 2] });
    const block = new PNetBlock({ rank: 3, filters: 3, numLayers: 2, dilation: 2, batchNorm: true }).apply(input) as tfl.SymbolicTensor;
    const skip = new DilatedConv({ rank: 3, filters: 2, kernelSize: [2, 1, 3], relu: true }).apply(input) as tfl.SymbolicTensor;
    const joined = new ChannelConcat({}).apply([block, skip]) as tfl.SymbolicTensor;
    const normed = new BatchNormND({}).apply(joined) as tfl.SymbolicTensor;
    const out = new DilatedConv({ rank: 3, filters: 3, kernelSize: [3, 3, 1], dilationRate: [3, 1, 1] }).apply(normed) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    // Non-trivial batch-norm statistics and biases.
    model.setWeights(model.getWeights().map((w, i) => tf.add(w, tf.abs(tf.randomNormal(w.shape, 0.3, 0.2, 'float32', i)))));
    const plan = depthStreamPlan(model)!;
    expect(plan.margin).toBe(2 + 3); // max(block's 3×3×3 at d 2, the parallel [2,·,·] kernel's 1) + the final d 3
    const shape = [23, 6, 5, 2];
    const data = randomArray(shape.reduce((a, b) => a * b), 14);
    const ref = (model.predict(tf.tensor(data, [1, ...shape])) as tf.Tensor).dataSync();
    const rowSize = 6 * 5 * 3;
    for (const [from, to, slab] of [[0, 23, 4], [9, 14, 2], [0, 5, 7], [17, 23, 1]] as const) {
      const r0 = Math.max(0, from - plan.margin);
      const r1 = Math.min(23, to + plan.margin);
      const rows = data.subarray(r0 * 60, r1 * 60);
      const got = new Float32Array((to - from) * rowSize);
      const emitted: number[] = [];
      streamDepth(plan, { data: rows, shape: [r1 - r0, 6, 5, 2], rowOffset: r0, depth: 23 }, [from, to], slab, (x) => x, (row, values) => {
        emitted.push(row);
        got.set(values, (row - from) * rowSize);
      });
      expect(emitted[0]).toBe(from);
      expect(maxAbsDiff(got, ref.subarray(from * rowSize, to * rowSize))).toBeLessThan(1e-5);
    }
    expect(tf.memory().numTensors).toBeLessThan(200); // the stream frees its rows
  });

  it('3D: a margin below the receptive field is not exact (the margin matters)', async () => {
    const model = createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const shape = [40, 12, 12, 1];
    const data = randomArray(shape.reduce((a, b) => a * b), 12);
    const out = await predictVolume(model, { data, shape }, { patchSize: [10, 12, 12], margin: [2, 91, 91] });
    expect(maxAbsDiff(out.data, whole(model, data, shape))).toBeGreaterThan(1e-4);
  });

  it('2D: equals the whole-image prediction', async () => {
    const model = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const shape = [200, 30, 1];
    const data = randomArray(shape.reduce((a, b) => a * b), 13);
    const out = await predictVolume(model, { data, shape }, { patchSize: [64, 30], overlap: 0.5 });
    expect(out.shape).toEqual([200, 30, 2]);
    expect(maxAbsDiff(out.data, whole(model, data, shape))).toBeLessThan(1e-5);
  });

  it('rejects a volume with the wrong channel count, naming the expected shape', async () => {
    const model = createPNet3D({ inputChannels: 4, numClasses: 2, channels: 4 });
    const bad = { data: new Float32Array(8 * 8 * 8), shape: [8, 8, 8, 1] };
    await expect(predictVolume(model, bad, { patchSize: [8, 8, 8] })).rejects.toThrowError(
      /volume must be float32 of shape \[D, H, W, 4\], got \[8, 8, 8, 1\]/,
    );
    await expect(predictVolume(model, { data: new Float32Array(10), shape: [8, 8, 8, 4] }, { patchSize: [8, 8, 8] })).rejects.toThrowError(
      ShapeError,
    );
    await expect(
      predictVolume(model, { data: new Float32Array(8 * 8 * 8 * 4), shape: [8, 8, 8, 4] }, { patchSize: [8, 8] }),
    ).rejects.toThrowError(/patchSize must be 3 integers/);
  });
});
