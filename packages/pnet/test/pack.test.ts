// The published tarball must install and work in an empty project outside the monorepo.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { highestGlibcMinor } from '../../../scripts/glibc-versions.mjs';
import { packInstallRun } from '../../../scripts/pack-smoke.mjs';
import { nativeExpected, packageDir } from './fixtures.js';

describe('npm pack', () => {
  it('installs into an empty project, runs a 3D P-Net on wasm (with the prebuilt native convolutions and with the shipped WebAssembly kernels) and round-trips its weights', () => {
    const out = packInstallRun({
      packageDir: 'packages/pnet',
      script: `
        import * as tf from '@tensorflow/tfjs-core';
        import { initBackend, convolutionImplementation, createPNet3D, exportTorchStateDict, importTorchStateDict, predictVolume, useConvolutions } from '@deepigeos/pnet';
        const backend = await initBackend();
        const model = createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 });
        const copy = createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 });
        importTorchStateDict(copy, exportTorchStateDict(model));
        const x = tf.randomNormal([1, 6, 7, 8, 1]);
        const a = model.predict(x).dataSync(), b = copy.predict(x).dataSync();
        const probs = await predictVolume(model, { data: x.dataSync(), shape: [6, 7, 8, 1] }, { patchSize: [3, 7, 8] });
        const native = convolutionImplementation().startsWith('native-');
        useConvolutions('wasm-simd');
        const c = model.predict(x).dataSync();
        const wasm = convolutionImplementation();
        const wasmClose = c.every((v, i) => Math.abs(v - a[i]) < 1e-4);
        console.log(JSON.stringify({ backend, native, wasm, wasmClose, shape: model.predict(x).shape, same: a.every((v, i) => v === b[i]), probsShape: probs.shape }));
      `,
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      backend: 'wasm',
      native: nativeExpected(),
      wasm: 'wasm-simd',
      wasmClose: true,
      shape: [1, 6, 7, 8, 2],
      same: true,
      probsShape: [6, 7, 8, 2],
    });
  }, 170_000);

  it('the prebuilt linux-x64 addon asks for glibc 2.28 at most (RHEL 8, Ubuntu 20.04 load it)', () => {
    expect(highestGlibcMinor(readFileSync(join(packageDir, 'prebuilds', 'linux-x64', 'pnet_conv.node')))).toBeLessThanOrEqual(28);
  });
});
