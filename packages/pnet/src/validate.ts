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

/**
 * Makes `model.predict` check its input with {@link checkModelInput} first, so a wrong rank,
 * channel count or dtype raises a {@link ShapeError} naming the expected shape (e.g.
 * `[N, D, H, W, 1]`) instead of tfjs-layers' own error. Applied to every model this package
 * creates or loads; returns the model.
 */
export function validatedPredict(model: tfl.LayersModel): tfl.LayersModel {
  const predict = model.predict.bind(model);
  model.predict = (x, args) => {
    const inputs = Array.isArray(x) ? x : [x];
    if (inputs.length !== 1) throw new ShapeError(`${model.name}.predict: expected one input tensor, got ${inputs.length}`);
    checkModelInput(model, inputs[0]!, `${model.name}.predict`);
    return predict(x, args);
  };
  return model;
}
