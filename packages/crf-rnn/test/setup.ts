// Test setup shared by the tfjs tests: cpu backend (deterministic), gradients registered.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import type { layers } from '@tensorflow/tfjs-layers';
import { rng } from './helpers.js';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Deterministic normal-ish tensor (sum of uniforms). */
export function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (r() + r() + r() - 1.5) * 2 * scale), shape);
}

/** Replaces every weight of `layer` with deterministic random values of scale `scale`. */
export function randomiseWeights(layer: layers.Layer, seed: number, scale = 0.5): void {
  layer.setWeights(layer.getWeights().map((w, i) => randomTensor(w.shape, seed + i, scale)));
}

/** Weight tensors of a layer by short name (the part after the last '/'), as Float32Arrays. */
export function weightsByName(layer: layers.Layer): Map<string, { data: Float32Array; shape: number[] }> {
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const w of layer.weights) {
    out.set(w.name.split('/').pop()!, { data: w.read().dataSync() as Float32Array, shape: w.shape as number[] });
  }
  return out;
}
