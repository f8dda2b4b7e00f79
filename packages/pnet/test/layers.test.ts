import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { activeBackend, initBackend } from '../src/backend.js';
import { BackendError, ShapeError } from '../src/errors.js';
import { BatchNormND } from '../src/layers/batch-norm.js';
import { DilatedConv } from '../src/layers/dilated-conv.js';
import { PNetBlock } from '../src/layers/pnet-block.js';
import { createPNet2D, createPNet3D } from '../src/models/pnet.js';
import { loadCheckpoint, loadTrainingCheckpoint, saveCheckpoint } from '../src/training/checkpoint.js';
import { trainStep } from '../src/training/train-step.js';
import { bruteConv3d, maxAbsDiff, randomArray } from './reference.js';

const work = mkdtempSync(join(tmpdir(), 'pnet-layers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('backend helper', () => {
  it('picks wasm by default in Node, honours an explicit choice, rejects unknown names', async () => {
    expect(await initBackend()).toBe('wasm');
    expect(await initBackend('cpu')).toBe('cpu');
    expect(activeBackend()).toBe('cpu');
    await expect(initBackend('webgpu')).rejects.toThrowError(BackendError);
    await expect(initBackend('webgpu')).rejects.toThrowError(/backend 'webgpu' is not registered/);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`DilatedConv on ${backend}`, () => {
    it('learns a known dilated [1,3,3] 3D kernel by gradient descent', async () => {
      await initBackend(backend);
      const shape = [2, 3, 9, 9, 2];
      const target = randomArray(1 * 3 * 3 * 2 * 2, 21);
      const xData = randomArray(shape.reduce((a, b) => a * b), 22);
      const yData = Float32Array.from(bruteConv3d(xData, shape, target, [1, 3, 3, 2, 2], [1, 2, 2]));
      const layer = new DilatedConv({ rank: 3, filters: 2, kernelSize: [1, 3, 3], dilationRate: [1, 2, 2], useBias: false });
      const x = tf.tensor(xData, shape);
      const y = tf.tensor(yData, [...shape.slice(0, 4), 2]);
      layer.apply(x);
      const optimizer = tf.train.adam(0.05);
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      let loss = 0;
      for (let i = 0; i < 300; i++) {
        const l = optimizer.minimize(() => tf.mean(tf.squaredDifference(layer.apply(x) as tf.Tensor, y)) as tf.Scalar, true, vars)!;
        loss = l.dataSync()[0]!;
        l.dispose();
      }
      expect(loss).toBeLessThan(1e-4);
      expect(maxAbsDiff(layer.getWeights()[0]!.dataSync(), target)).toBeLessThan(0.02);
    });
  });
}

describe('layers', () => {
  it('serialise through getConfig / registerClass (model JSON → fromConfig → same output)', async () => {
    await initBackend('wasm');
    const model = createPNet3D({ inputChannels: 2, numClasses: 2, channels: 4 });
    const topology = model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'];
    const rebuilt = await tfl.models.modelFromJSON({ modelTopology: topology });
    rebuilt.setWeights(model.getWeights());
    const x = tf.randomNormal([1, 5, 6, 7, 2]);
    expect(maxAbsDiff((rebuilt.predict(x) as tf.Tensor).dataSync(), (model.predict(x) as tf.Tensor).dataSync())).toBe(0);
    const conv = new DilatedConv({ rank: 3, filters: 3, kernelSize: [1, 3, 3], dilationRate: [1, 4, 4], name: 'c' });
    expect(conv.getConfig()).toMatchObject({ rank: 3, filters: 3, kernelSize: [1, 3, 3], dilationRate: [1, 4, 4], useBias: true });
  });

  it('checkpoint save/load on disk (tfjs layers format) restores identical predictions, BN statistics included', async () => {
    await initBackend('wasm');
    const model = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4, batchNorm: true });
    const x = tf.randomNormal([2, 20, 20, 1]);
    await trainStep(model, tf.train.sgd(0.01), [x, tf.zeros([2, 20, 20], 'int32')]);
    await saveCheckpoint(model, join(work, 'ckpt'));
    const loaded = await loadCheckpoint(join(work, 'ckpt'));
    expect(loaded.layers.map((l) => l.getClassName())).toContain('PNetBlock');
    expect(maxAbsDiff((loaded.predict(x) as tf.Tensor).dataSync(), (model.predict(x) as tf.Tensor).dataSync())).toBe(0);
  });

  it('a checkpoint saved with its Adam optimizer resumes training exactly (disk)', async () => {
    await initBackend('wasm');
    const model = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4, dropout: 0 });
    const optimizer = tf.train.adam(0.01, 0.8, 0.95);
    const x = tf.randomNormal([1, 12, 12, 1], 0, 1, 'float32', 5);
    const batch: [tf.Tensor, tf.Tensor] = [x, tf.cast(tf.greater(tf.squeeze(x, [3]), 0), 'int32')];
    for (let i = 0; i < 3; i++) await trainStep(model, optimizer, batch);
    await saveCheckpoint(model, join(work, 'ckpt-adam'), { optimizer });
    const resumed = await loadTrainingCheckpoint(join(work, 'ckpt-adam'));
    expect(resumed.optimizer?.getClassName()).toBe('Adam');
    expect(resumed.optimizer?.getConfig()).toEqual(optimizer.getConfig());
    // Two more steps on both: equal weights only if the moments and step count came back too
    // (a fresh Adam's first steps are ±lr-sized and would differ).
    for (let i = 0; i < 2; i++) {
      await trainStep(model, optimizer, batch);
      await trainStep(resumed.model, resumed.optimizer!, batch);
    }
    const a = model.getWeights();
    const b = resumed.model.getWeights();
    expect(Math.max(...a.map((w, i) => maxAbsDiff(w.dataSync(), b[i]!.dataSync())))).toBeLessThan(1e-6);
    const fresh = await loadCheckpoint(join(work, 'ckpt-adam'));
    await trainStep(fresh, tf.train.adam(0.01, 0.8, 0.95), batch);
    expect(maxAbsDiff(fresh.getWeights()[0]!.dataSync(), model.getWeights()[0]!.dataSync())).toBeGreaterThan(1e-4);
    expect((await loadTrainingCheckpoint(join(work, 'ckpt'))).optimizer).toBeUndefined();
  });

  it('an interrupted checkpoint save leaves the previous checkpoint intact and loadable', async () => {
    await initBackend('wasm');
    const dir = join(work, 'ckpt-atomic');
    const first = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const second = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const x = tf.randomNormal([1, 12, 12, 1]);
    await saveCheckpoint(first, dir);
    // A folder squatting on the temporary weights name makes the second save fail mid-way.
    mkdirSync(join(dir, `weights.bin.${process.pid}.tmp`));
    await expect(saveCheckpoint(second, dir)).rejects.toThrow();
    const loaded = await loadCheckpoint(dir);
    expect(maxAbsDiff((loaded.predict(x) as tf.Tensor).dataSync(), (first.predict(x) as tf.Tensor).dataSync())).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['model.json', `weights.bin.${process.pid}.tmp`, 'weights.bin'].sort());
  });

  it('BatchNormND normalises 5D inputs like PyTorch (training and running statistics) and differentiates', async () => {
    await initBackend('wasm');
    const shape = [2, 3, 4, 5, 3];
    const data = randomArray(shape.reduce((a, b) => a * b), 31).map((v, i) => v * (1 + (i % 3)) + (i % 3));
    const bn = new BatchNormND({ momentum: 0.1, epsilon: 1e-5 });
    const x = tf.tensor(data, shape);
    const y = bn.apply(x, { training: true }) as tf.Tensor;
    // float64 reference per channel
    const n = data.length / 3;
    const yData = y.dataSync();
    for (let c = 0; c < 3; c++) {
      let mean = 0;
      for (let i = c; i < data.length; i += 3) mean += data[i]!;
      mean /= n;
      let variance = 0;
      for (let i = c; i < data.length; i += 3) variance += (data[i]! - mean) ** 2;
      variance /= n;
      for (let i = c; i < data.length; i += 3) expect(Math.abs(yData[i]! - (data[i]! - mean) / Math.sqrt(variance + 1e-5))).toBeLessThan(1e-4);
      const [runMean, runVar] = [bn.getWeights()[2]!.dataSync()[c]!, bn.getWeights()[3]!.dataSync()[c]!];
      expect(runMean).toBeCloseTo(0.1 * mean, 5);
      expect(runVar).toBeCloseTo(0.9 + (0.1 * variance * n) / (n - 1), 5);
    }
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(bn.apply(t, { training: true }) as tf.Tensor, tf.reshape(tf.range(0, data.length), shape))))(x);
    expect(g.shape).toEqual(shape);
    expect(Number.isFinite(tf.sum(tf.abs(g)).dataSync()[0]!)).toBe(true);
  });
});

describe('bad input', () => {
  it('DilatedConv / PNetBlock reject wrong rank, channel count and dtype, naming the expected shape', async () => {
    await initBackend('wasm');
    const conv = new DilatedConv({ rank: 3, filters: 2, kernelSize: 3, name: 'conv3' });
    conv.apply(tf.zeros([1, 4, 4, 4, 2]));
    expect(() => conv.apply(tf.zeros([1, 4, 4, 2]))).toThrowError(/conv3: input must have shape \[N, D, H, W, C\], got \[1, 4, 4, 2\]/);
    expect(() => conv.apply(tf.zeros([1, 4, 4, 4, 3]))).toThrowError(/conv3: input must have shape \[N, D, H, W, 2\] \(2 channels\), got \[1, 4, 4, 4, 3\]/);
    expect(() => conv.apply(tf.zeros([1, 4, 4, 4, 2], 'int32'))).toThrowError(ShapeError);
    expect(() => new DilatedConv({ rank: 3, filters: 2, kernelSize: [3, 3] })).toThrowError(/kernelSize must be a positive integer or 3 positive integers/);
    expect(() => new PNetBlock({ rank: 2, filters: 0, numLayers: 2, dilation: 1 })).toThrowError(/filters must be a positive integer/);
  });

  it('model.predict of the factories and of loaded checkpoints raises ShapeError naming the expected shape', async () => {
    await initBackend('wasm');
    const model = createPNet3D({ inputChannels: 4, numClasses: 2, channels: 4 });
    expect(() => model.predict(tf.zeros([1, 4, 4, 4, 1]))).toThrowError(/pnet3d\.predict: input must have shape \[N, D, H, W, 4\], got \[1, 4, 4, 4, 1\]/);
    expect(() => model.predict(tf.zeros([4, 4, 4, 4]))).toThrowError(ShapeError);
    expect(() => model.predict(tf.zeros([1, 4, 4, 4, 4], 'int32'))).toThrowError(/dtype must be float32/);
    expect((model.predict(tf.zeros([1, 4, 4, 4, 4])) as tf.Tensor).shape).toEqual([1, 4, 4, 4, 2]);
    const net2d = createPNet2D({ inputChannels: 1, numClasses: 3, channels: 4 });
    expect(() => net2d.predict(tf.zeros([1, 8, 8, 2]))).toThrowError(/pnet2d\.predict: input must have shape \[N, H, W, 1\], got \[1, 8, 8, 2\]/);
    await saveCheckpoint(net2d, join(work, 'ckpt-shape'));
    const loaded = await loadCheckpoint(join(work, 'ckpt-shape'));
    expect(() => loaded.predict(tf.zeros([1, 8, 8, 2]))).toThrowError(ShapeError);
  });

  it('createPNet3D / trainStep validate options and inputs', async () => {
    await initBackend('wasm');
    expect(() => createPNet3D({ inputChannels: 0, numClasses: 2 })).toThrowError(/inputChannels must be a positive integer, got 0/);
    expect(() => createPNet2D({ inputChannels: 1, numClasses: 2, dropout: 1.5 })).toThrowError(/dropout must be a number in \[0, 1\)/);
    const model = createPNet3D({ inputChannels: 4, numClasses: 2, channels: 4 });
    const opt = tf.train.sgd(0.1);
    const label = tf.zeros([1, 4, 4, 4], 'int32');
    await expect(trainStep(model, opt, [tf.zeros([1, 4, 4, 4, 1]), label])).rejects.toThrowError(
      /trainStep: input must have shape \[N, D, H, W, 4\], got \[1, 4, 4, 4, 1\]/,
    );
    await expect(trainStep(model, opt, [tf.zeros([4, 4, 4, 4]), label])).rejects.toThrowError(ShapeError);
    await expect(trainStep(model, opt, [tf.zeros([1, 4, 4, 4, 4], 'int32'), label])).rejects.toThrowError(/dtype must be float32/);
    await expect(trainStep(model, opt, [tf.zeros([1, 4, 4, 4, 4]), tf.zeros([1, 4, 4, 3], 'int32')])).rejects.toThrowError(
      /labels must be class indices of shape \[1, 4, 4, 4\] or one-hot of shape \[1, 4, 4, 4, 2\], got \[1, 4, 4, 3\]/,
    );
  });
});
