// The published tarball must install and work in an empty project outside the monorepo.
import { describe, expect, it } from 'vitest';
import { packInstallRun } from '../../../scripts/pack-smoke.mjs';

describe('npm pack', () => {
  it('installs into an empty project (with its committed WebAssembly kernels), runs all three layers and the lattice', () => {
    const out = packInstallRun({
      packageDir: 'packages/crf-rnn',
      script: `
        import * as tf from '@tensorflow/tfjs-core';
        import '@tensorflow/tfjs-backend-cpu';
        import '@tensorflow/tfjs-layers';
        import { createLattice, crfNetF, crfNetFU, denseCrf, kernelBackend, ShapeError } from '@deepigeos/crf-rnn';
        await tf.setBackend('cpu');
        const u = tf.zeros([1, 6, 6, 2]);
        const img = tf.zeros([1, 6, 6, 1]);
        const fg = tf.buffer([1, 6, 6, 1]);
        fg.set(1, 0, 2, 3, 0);
        const shapes = [crfNetF().apply([u, img]), crfNetFU().apply([u, img, fg.toTensor(), tf.zeros([1, 6, 6, 1])]), denseCrf().apply([u, img])].map((t) => t.shape);
        const ones = createLattice(new Float32Array([0, 0, 0.5, 0]), 2, 2).filter(new Float32Array([1, 1]), 1);
        let error = '';
        try { crfNetF().apply([u, tf.zeros([1, 5, 6, 1])]); } catch (e) { error = e instanceof ShapeError ? 'ShapeError' : String(e); }
        console.log(JSON.stringify({ shapes, positive: ones[0] > 1, error, kernels: kernelBackend() }));
      `,
    });
    expect(JSON.parse(out)).toEqual({ shapes: [[1, 6, 6, 2], [1, 6, 6, 2], [1, 6, 6, 2]], positive: true, error: 'ShapeError', kernels: 'wasm' });
  }, 180_000);
});
