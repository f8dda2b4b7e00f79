// Repeated calls must not leak tensors (long interactive sessions call the CRFs many times).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { crfNetF, crfNetFU, denseCrf } from '../src/index.js';
import { randomTensor, useCpu } from './setup.js';

beforeAll(useCpu);

describe('tensor bookkeeping', () => {
  it('inference and gradient calls of every layer leave no tensors behind', () => {
    const shape = [1, 12, 12];
    const unaries = randomTensor([...shape, 2], 1);
    const image = randomTensor([...shape, 1], 2);
    const fg = tf.zeros([...shape, 1]);
    const cases = [
      { layer: crfNetF({ tableBins: 16 }), inputs: [unaries, image] },
      { layer: crfNetFU(), inputs: [unaries, image, fg, fg] },
      { layer: denseCrf(), inputs: [unaries, image] },
    ];
    for (const { layer, inputs } of cases) {
      tf.dispose(layer.apply(inputs) as tf.Tensor); // builds the weights
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        tf.dispose(layer.apply(inputs) as tf.Tensor);
        tf.tidy(() => {
          tf.variableGrads(() => tf.sum(layer.apply(inputs, { training: true }) as tf.Tensor) as tf.Scalar);
        });
      }
      expect(tf.memory().numTensors, layer.getClassName()).toBe(before);
    }
  });
});
