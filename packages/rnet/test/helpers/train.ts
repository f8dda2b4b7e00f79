import { type LossSpec, trainStep } from '@deepigeos/pnet';
import { foregroundProbability } from '../../src/network.js';
import { createRng } from '../../src/rng.js';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * Adam + `@deepigeos/pnet`'s `trainStep` (cross-entropy by default) over `steps` batches from `makeBatch`
 * (`[inputs, class-index labels]`, disposed after use). Resolves to the last loss.
 */
export async function train(
  model: LayersModel,
  makeBatch: (step: number) => [tf.Tensor, tf.Tensor] | Promise<[tf.Tensor, tf.Tensor]>,
  steps: number,
  learningRate: number,
  loss: LossSpec = 'crossEntropy',
): Promise<number> {
  const optimizer = tf.train.adam(learningRate);
  let last = Number.NaN;
  for (let step = 0; step < steps; step++) {
    const batch = await makeBatch(step);
    last = await trainStep(model, optimizer, batch, { loss });
    tf.dispose(batch);
  }
  optimizer.dispose();
  return last;
}

/** Foreground probabilities (softmax channel 1, flattened) of a batch, in inference mode. */
export async function predictForeground(model: LayersModel, x: tf.Tensor): Promise<Float32Array> {
  const logits = model.predict(x) as tf.Tensor;
  try {
    return await foregroundProbability(logits);
  } finally {
    logits.dispose();
  }
}

/**
 * Re-initialises every kernel (rank ≥ 2) with He-normal values from a seeded generator, so
 * training runs are reproducible (tfjs-layers initialisers draw unseeded random numbers). Returns
 * the model, for chaining.
 */
export function seedWeights<M extends LayersModel>(model: M, seed: number): M {
  const rng = createRng(0, seed); // the raw mulberry32 stream of `seed`, as the tests' numbers were measured with
  const normal = () => rng.normal();
  const values = model.getWeights().map((w) => {
    if (w.rank < 2) return w.clone();
    const fanIn = w.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const std = Math.sqrt(2 / fanIn);
    return tf.tensor(Float32Array.from({ length: w.size }, () => normal() * std), w.shape);
  });
  model.setWeights(values);
  tf.dispose(values);
  return model;
}
