// predictVolume({ workers }) loads dist/inference/predict-worker.js, so this test runs the built package.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { packageDir } from './fixtures.js';
import { maxAbsDiff, randomArray } from './reference.js';

describe('predictVolume with worker threads (built package)', () => {
  it('two workers give the single-thread result, are reused with new weights, and split an ROI exactly', async () => {
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
    const pnet = (await import(pathToFileURL(join(packageDir, 'dist', 'index.js')).href)) as typeof import('../src/index.js');
    await pnet.initBackend('wasm');
    const model = pnet.createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const shape = [24, 10, 12, 1];
    const data = randomArray(shape.reduce((a, b) => a * b), 51);
    const options = { patchSize: [6, 10, 12], overlap: 0.5 };
    const single = await pnet.predictVolume(model, { data, shape }, options);
    const progress: number[] = [];
    const parallel = await pnet.predictVolume(model, { data, shape }, { ...options, workers: 2, onProgress: (d) => progress.push(d) });
    expect(parallel.shape).toEqual(single.shape);
    expect(maxAbsDiff(parallel.data, single.data)).toBeLessThan(1e-6);
    expect(progress).toEqual(Array.from({ length: progress.length }, (_, i) => i));
    expect(progress.length).toBeGreaterThan(3);
    // The workers are kept for the next call, which must see changed weights.
    model.setWeights(model.getWeights().map((w) => tf.mul(w, 1.5)));
    const changed = await pnet.predictVolume(model, { data, shape }, { ...options, workers: 2 });
    expect(maxAbsDiff(changed.data, single.data)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(changed.data, (await pnet.predictVolume(model, { data, shape }, options)).data)).toBeLessThan(1e-6);
    // An R-Net-like ROI (4 channels) split in two depth halves with exact halos, logits out.
    const rnet = pnet.createPNet3D({ inputChannels: 4, numClasses: 2, channels: 4 });
    const roiShape = [20, 9, 10, 4];
    const roi = randomArray(roiShape.reduce((a, b) => a * b), 52);
    const halves = await pnet.predictVolume(rnet, { data: roi, shape: roiShape }, { patchSize: [20, 9, 10], workers: 2, output: 'logits' });
    const whole = (rnet.predict(tf.tensor(roi, [1, ...roiShape])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(halves.data, whole)).toBeLessThan(1e-5);
    await pnet.closePredictWorkers();
  }, 120_000);

  it('a worker that exits without an error event rejects its pending jobs (they used to wait forever)', async () => {
    const pnet = (await import(pathToFileURL(join(packageDir, 'dist', 'index.js')).href)) as typeof import('../src/index.js');
    const pool = (await import(pathToFileURL(join(packageDir, 'dist', 'inference', 'worker-pool.js')).href)) as typeof import('../src/inference/worker-pool.js');
    await pnet.initBackend('wasm');
    const model = pnet.createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const shape = [24, 10, 12, 1];
    const input = { data: randomArray(shape.reduce((a, b) => a * b), 53), shape };
    const options = { patchSize: [6, 10, 12], overlap: 0.5, workers: 2 };
    await pnet.predictVolume(model, input, options);
    const running = pnet.predictVolume(model, input, options);
    // An external terminate ends the thread with 'exit' only, as process.exit inside it would.
    await (pool.currentWorkerPool() as { workers: { terminate(): Promise<number> }[] }).workers[0]!.terminate();
    await expect(running).rejects.toThrow(/predictVolume worker exited unexpectedly/);
    // The broken pool is replaced on the next call.
    const again = await pnet.predictVolume(model, input, options);
    expect(maxAbsDiff(again.data, (await pnet.predictVolume(model, input, { patchSize: [6, 10, 12], overlap: 0.5 })).data)).toBeLessThan(1e-6);
    await pnet.closePredictWorkers();
  }, 120_000);

  it('cached weights are keyed collision-free: weights equal under the old 32-bit FNV key are reloaded', async () => {
    const pnet = (await import(pathToFileURL(join(packageDir, 'dist', 'index.js')).href)) as typeof import('../src/index.js');
    await pnet.initBackend('wasm');
    const model = pnet.createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const shape = [12, 10, 12, 1];
    const input = { data: randomArray(shape.reduce((a, b) => a * b), 54), shape };
    const options = { patchSize: [6, 10, 12], overlap: 0.5 };
    const first = await pnet.predictVolume(model, input, { ...options, workers: 2 });
    // Change two adjacent words of the weight bytes so the FNV-1a hash stays the same.
    const weights = model.getWeights();
    const flat = new Float32Array(weights.reduce((n, w) => n + w.size, 0));
    let at = 0;
    for (const w of weights) {
      flat.set(w.dataSync() as Float32Array, at);
      at += w.size;
    }
    const collided = fnvCollision(flat);
    at = 0;
    model.setWeights(
      weights.map((w) => {
        const t = tf.tensor(collided.subarray(at, at + w.size), w.shape);
        at += w.size;
        return t;
      }),
    );
    expect(fnv(collided)).toBe(fnv(flat));
    const single = await pnet.predictVolume(model, input, options);
    expect(maxAbsDiff(single.data, first.data)).toBeGreaterThan(1e-4);
    const parallel = await pnet.predictVolume(model, input, { ...options, workers: 2 });
    expect(maxAbsDiff(parallel.data, single.data)).toBeLessThan(1e-6);
    await pnet.closePredictWorkers();
  }, 120_000);
});

/** The old weight-cache key: FNV-1a over 32-bit words. */
function fnv(values: Float32Array): number {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let h = 0x811c9dc5;
  for (const w of words) h = Math.imul(h ^ w, 0x01000193);
  return h >>> 0;
}

/**
 * A copy of `values` with its final two words — the output layer's two biases, which always reach
 * the logits (a kernel word may feed a channel that ReLU keeps at zero for some random
 * initialisations) — changed so that fnv() is unchanged:
 * after word k the state differs, and word k+1 = h ^ w ^ h' brings it back (the multiplier is odd,
 * hence invertible). Word k's change is chosen so that word k+1 stays a small finite float.
 */
function fnvCollision(values: Float32Array): Float32Array {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const k = words.length - 2;
  let h = 0x811c9dc5;
  for (let i = 0; i < k; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
  for (let bump = 1; ; bump++) {
    const out = new Uint32Array(words);
    out[k] = words[k]! + bump;
    const a = Math.imul(h ^ words[k]!, 0x01000193);
    const b = Math.imul(h ^ out[k]!, 0x01000193);
    out[k + 1] = (a ^ words[k + 1]! ^ b) >>> 0;
    const f = new Float32Array(out.buffer);
    if (Math.abs(f[k + 1]!) < 1 && Math.abs(f[k + 1]! - values[k + 1]!) > 0.05) return f;
  }
}
