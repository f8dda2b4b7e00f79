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
    expect(progress).toEqual(Array.from({ length: progress.length }, (_, i) => i + 1));
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
});
