// The small ops of the convolutions' backward pass that run on the wasm heap (the ReLU gradient
// in the package's WebAssembly module, the input-gradient filter in one loop), against tfjs'
// own kernels on the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { inputGradientFilter } from '../src/ops/conv2d-fast.js';
import { reluGradient } from '../src/ops/relu-gradient.js';
import { wasmConvFor } from '../src/ops/wasm-conv.js';
import { randomArray } from './reference.js';

/** Values with −0 as 0 (a product with 0 keeps dy's sign; the one-pass kernel writes +0). */
const unsigned = (a: ArrayLike<number>) => Array.from(a, (v) => (v === 0 ? 0 : v));

async function onCpu<T>(f: () => T): Promise<T> {
  const backend = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend(backend);
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`gradient helpers on ${backend}`, () => {
    it('reluGradient passes dy where y > 0 and gives 0 elsewhere (zeros, negative zeros, odd lengths, every shape)', async () => {
      await initBackend(backend);
      if (backend === 'wasm') expect(wasmConvFor(tf.backend())?.reluGradient).toBeTypeOf('function');
      for (const shape of [[1], [3], [4], [2, 5, 7, 3], [1, 3, 4, 5, 2], [257]]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const ys = randomArray(n, n + 1).map((v, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? -0 : v));
        const dys = randomArray(n, n + 2);
        const got = reluGradient(tf.tensor(dys, shape), tf.tensor(ys, shape));
        expect(got.shape).toEqual(shape);
        const want = await onCpu(() => tf.mul(tf.tensor(dys, shape), tf.step(tf.tensor(ys, shape))).dataSync());
        expect(unsigned(got.dataSync())).toEqual(unsigned(want));
      }
      // Equal sizes but different shapes do not broadcast: refused as tfjs refuses them.
      expect(() => reluGradient(tf.ones([2, 3]), tf.ones([3, 2]))).toThrow(/broadcast/);
    });

    it('inputGradientFilter rotates the kernel by 180° and swaps its in/out channels', async () => {
      await initBackend(backend);
      for (const shape of [
        [3, 3, 4, 5],
        [1, 1, 3, 2],
        [2, 4, 1, 3],
        [3, 1, 2, 2],
      ] as [number, number, number, number][]) {
        const values = randomArray(shape.reduce((a, b) => a * b, 1), 11);
        const got = inputGradientFilter(tf.tensor4d(values, shape));
        const want = await onCpu(() => tf.transpose(tf.reverse(tf.tensor4d(values, shape), [0, 1]), [0, 1, 3, 2]));
        expect(got.shape).toEqual(want.shape);
        expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      }
    });
  });
}
