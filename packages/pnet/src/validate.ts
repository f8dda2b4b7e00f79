import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { formatShape, ShapeError } from './errors.js';

/**
 * Checks an input tensor against a single-input model: rank, channel count and dtype, with an
 * error naming the expected shape (e.g. `[N, D, H, W, 1]`).
 */
export function checkModelInput(model: tfl.LayersModel, x: tf.Tensor, fn: string): void {
  const shape = model.inputs[0]!.shape;
  const expected: (number | string)[] = shape.map((d, i) => (d === null ? (i === 0 ? 'N' : '?') : d));
  if (shape.length === 5) expected.splice(1, 3, 'D', 'H', 'W');
  else if (shape.length === 4) expected.splice(1, 2, 'H', 'W');
  const matches = x.rank === shape.length && shape.every((d, i) => d === null || d === x.shape[i]);
  if (!matches) {
    throw new ShapeError(`${fn}: input must have shape ${formatShape(expected)}, got ${formatShape(x.shape)}`);
  }
  if (x.dtype !== 'float32') throw new ShapeError(`${fn}: input dtype must be float32, got ${x.dtype}`);
}
