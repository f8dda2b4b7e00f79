import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { tiledPredictor, windowStarts } from '../src/pipeline/tiled.js';

describe('patch-wise 3D inference', () => {
  it('covers every index with half-overlapping windows flush with the end', () => {
    expect(windowStarts(10, 24)).toEqual([0]);
    expect(windowStarts(24, 24)).toEqual([0]);
    expect(windowStarts(50, 24)).toEqual([0, 12, 24, 26]);
  });
  it('equals whole-volume prediction for a voxel-wise network (brute force)', async () => {
    await tf.setBackend('cpu');
    // A voxel-wise "network": logits = [x, 2x + 1]; windows must stitch back exactly.
    const net = { predict: (x: tf.Tensor) => tf.concat([x, tf.add(tf.mul(x, 2), 1)], -1) };
    const x = tf.randomNormal([2, 7, 13, 9, 1]);
    const whole = await (net.predict(x) as tf.Tensor).data();
    const tiled = await (tiledPredictor(net, 4).predict(x) as tf.Tensor).data();
    expect(tiled.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(tiled[i]).toBeCloseTo(whole[i]!, 5);
  });
  it('cuts multi-channel windows at the right place and reports each window', async () => {
    await tf.setBackend('cpu');
    const identity = { predict: (x: tf.Tensor) => tf.clone(x) };
    const x = tf.randomNormal([1, 9, 11, 6, 2]);
    const calls: [number, number][] = [];
    const tiled = await (tiledPredictor(identity, 4, (d, t) => calls.push([d, t])).predict(x) as tf.Tensor).data();
    const whole = await x.data();
    for (let i = 0; i < whole.length; i++) expect(tiled[i]).toBeCloseTo(whole[i]!, 5);
    const total = windowStarts(9, 4).length * windowStarts(11, 4).length * windowStarts(6, 4).length;
    expect(calls).toEqual(Array.from({ length: total }, (_, i) => [i + 1, total]));
  });
});

describe('which 3D networks run window by window', () => {
  it('nets trained on patches under 48³ run at their patch size; from 48³ on the whole input, depth-streamed, for batches too', async () => {
    const { createPNet3D, initBackend } = await import('@deepigeos/pnet');
    await initBackend('cpu');
    const { inferenceNetwork } = await import('../src/pipeline/networks.js');
    const model = createPNet3D({ inputChannels: 1, numClasses: 2, channels: 2 });
    const x = tf.randomNormal([2, 10, 12, 9, 1]);
    const whole = (model.predict(x) as tf.Tensor).dataSync();
    const base = { dim: 3, channels: 2 } as Parameters<typeof inferenceNetwork>[1];
    const calls: number[] = [];
    const streamed = await inferenceNetwork(model, { ...base, patch: 48 }, (done) => calls.push(done)).predict(x);
    const values = (streamed as tf.Tensor).dataSync();
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(values[i]! - whole[i]!));
    expect(worst).toBeLessThan(1e-4);
    expect(calls.length).toBeGreaterThan(0);
    // A 4³-patch net is tiled: windows see zero padding the whole-input pass does not, so results differ.
    const tiled = (await inferenceNetwork(model, { ...base, patch: 4 }).predict(x)) as tf.Tensor;
    const t = tiled.dataSync();
    let differs = 0;
    for (let i = 0; i < whole.length; i++) differs = Math.max(differs, Math.abs(t[i]! - whole[i]!));
    expect(differs).toBeGreaterThan(1e-3);
    tf.dispose([x, streamed as tf.Tensor, tiled]);
  }, 60_000);
});
