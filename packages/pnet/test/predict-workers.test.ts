// predictVolume({ workers }) loads dist/inference/predict-worker.js, so this test runs the built package.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageDir } from './fixtures.js';
import { maxAbsDiff, randomArray } from './reference.js';

describe('predictVolume with worker threads (built package)', () => {
  it('two workers give the single-thread result', async () => {
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
  }, 120_000);
});
