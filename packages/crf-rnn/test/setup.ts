// Test setup shared by the tfjs tests: cpu backend (deterministic), gradients registered.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import type { layers } from '@tensorflow/tfjs-layers';
import { afterEach, beforeEach, describe } from 'vitest';
import { kernelBackend, setKernelsEnabled } from '../src/kernels.js';
import '../src/kernels-node.js'; // loads the WebAssembly kernels, as the package entry does
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

/**
 * Registers the tests `define` makes once per implementation of the hot loops: the WebAssembly
 * kernels (loaded at import in Node) and the TypeScript loops (the browser fallback).
 */
export function forEachKernelBackend(define: (backend: 'wasm' | 'typescript') => void): void {
  for (const backend of ['wasm', 'typescript'] as const) {
    describe(`${backend} kernels`, () => {
      beforeEach(() => {
        setKernelsEnabled(backend === 'wasm');
        if (kernelBackend() !== backend) throw new Error(`expected the ${backend} kernels to be active`);
      });
      afterEach(() => setKernelsEnabled(true));
      define(backend);
    });
  }
}

/** `run()` with the WebAssembly kernels, then with the TypeScript loops. */
export function outputsPerBackend<T>(run: () => T): [T, T] {
  if (kernelBackend() !== 'wasm') throw new Error('the WebAssembly kernels did not load');
  const wasm = run();
  setKernelsEnabled(false);
  try {
    return [wasm, run()];
  } finally {
    setKernelsEnabled(true);
  }
}
