/**
 * Seeded weight initialisation: tfjs initialisers draw from an unseeded source, so two runs with
 * the same `--seed` would start from different weights. Kernels are re-drawn Glorot-uniform (the
 * tfjs default) from our seeded RNG; 1-D weights (biases, batch-norm parameters) keep their
 * deterministic initial values.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Rng } from '../rng.js';

/**
 * Re-initialises every kernel of `model` from `rng`: Glorot uniform (the tfjs default), or He
 * uniform (variance 2 / fan-in, which keeps the signal's scale through a deep ReLU stack).
 */
export function seedKernels(model: tfl.LayersModel, rng: Rng, scheme: 'glorot' | 'he' = 'glorot'): void {
  const weights = model.getWeights().map((w) => {
    if (w.rank < 2) return w.clone();
    const receptive = w.shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = receptive * w.shape[w.rank - 2]!;
    const fanOut = receptive * w.shape[w.rank - 1]!;
    const limit = scheme === 'he' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
    const values = Float32Array.from({ length: w.size }, () => rng.uniform(-limit, limit));
    return tf.tensor(values, w.shape, 'float32');
  });
  model.setWeights(weights);
  tf.dispose(weights);
}
