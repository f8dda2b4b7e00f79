// The published tarball must install and work in an empty project outside the monorepo.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packInstallRun } from '../../../scripts/pack-smoke.mjs';
import { nativeExpected, packageDir } from './fixtures.js';

describe('npm pack', () => {
  it('installs into an empty project, runs a 3D P-Net on wasm (with the prebuilt native convolutions) and round-trips its weights', () => {
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
    const out = packInstallRun({
      packageDir: 'packages/pnet',
      script: `
        import * as tf from '@tensorflow/tfjs-core';
        import { initBackend, convolutionImplementation, createPNet3D, exportTorchStateDict, importTorchStateDict, predictVolume } from '@deepigeos/pnet';
        const backend = await initBackend();
        const model = createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 });
        const copy = createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 });
        importTorchStateDict(copy, exportTorchStateDict(model));
        const x = tf.randomNormal([1, 6, 7, 8, 1]);
        const a = model.predict(x).dataSync(), b = copy.predict(x).dataSync();
        const probs = await predictVolume(model, { data: x.dataSync(), shape: [6, 7, 8, 1] }, { patchSize: [3, 7, 8] });
        console.log(JSON.stringify({ backend, native: convolutionImplementation().startsWith('native-'), shape: model.predict(x).shape, same: a.every((v, i) => v === b[i]), probsShape: probs.shape }));
      `,
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ backend: 'wasm', native: nativeExpected(), shape: [1, 6, 7, 8, 2], same: true, probsShape: [6, 7, 8, 2] });
  }, 170_000);
});
