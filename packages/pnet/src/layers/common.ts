import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { formatShape, ShapeError } from '../errors.js';

export type { LayerArgs };

/** Spatial rank of a layer: 2 for `[N, H, W, C]` inputs, 3 for `[N, D, H, W, C]`. */
export type SpatialRank = 2 | 3;

/** A layer input as tfjs-layers passes it (a tensor or a one-element list). */
export function singleTensor(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new ShapeError(`${layer}: expected exactly one input tensor, got ${inputs.length}`);
    return inputs[0]!;
  }
  return inputs;
}

/** A layer's input shape as tfjs-layers passes it to build/computeOutputShape. */
export function singleShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
  return Array.isArray(inputShape[0]) ? (inputShape[0] as (number | null)[]) : (inputShape as (number | null)[]);
}

/** Expands a scalar or per-axis option to one value per spatial axis, validating it. */
export function perAxis(value: number | readonly number[], rank: SpatialRank, name: string, layer: string): number[] {
  const values = typeof value === 'number' ? new Array<number>(rank).fill(value) : [...value];
  if (values.length !== rank || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new ShapeError(`${layer}: ${name} must be a positive integer or ${rank} positive integers, got ${JSON.stringify(value)}`);
  }
  return values;
}

/**
 * Validates an input shape against `[N, H, W, C]` / `[N, D, H, W, C]` (and, when known, the
 * channel count the layer was built for); returns the channel count.
 */
export function checkInputShape(
  shape: readonly (number | null)[],
  rank: SpatialRank,
  builtChannels: number | undefined,
  layer: string,
): number {
  const expected = rank === 2 ? ['N', 'H', 'W', 'C'] : ['N', 'D', 'H', 'W', 'C'];
  const channels = shape[shape.length - 1];
  if (shape.length !== rank + 2 || channels === null || channels === undefined) {
    throw new ShapeError(`${layer}: input must have shape ${formatShape(expected)}, got ${formatShape(shape)}`);
  }
  if (builtChannels !== undefined && builtChannels !== channels) {
    expected[expected.length - 1] = String(builtChannels);
    throw new ShapeError(
      `${layer}: input must have shape ${formatShape(expected)} (${builtChannels} channels), got ${formatShape(shape)}`,
    );
  }
  return channels;
}

/** Validates that a layer input is float32. */
export function checkFloat32(x: tf.Tensor, layer: string): void {
  if (x.dtype !== 'float32') throw new ShapeError(`${layer}: input dtype must be float32, got ${x.dtype}`);
}

/** A tfjs-layers initializer. */
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** Looks up a tfjs-layers initializer factory by name (e.g. `'heNormal'`, `'glorotUniform'`). */
export function initializerByName(name: string, layer: string): Initializer {
  const factories = tfl.initializers as unknown as Record<string, ((args: object) => Initializer) | undefined>;
  const factory = factories[name];
  if (typeof factory !== 'function') throw new ShapeError(`${layer}: unknown kernelInitializer '${name}'`);
  return factory({});
}
