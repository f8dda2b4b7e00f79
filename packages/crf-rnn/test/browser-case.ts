// One deterministic workload run both in Node and in Chromium; the two results are compared.
import * as tf from '@tensorflow/tfjs-core';
// The shared API module: Node loads the kernels through src/index.ts, browsers through ready().
import { createLattice, crfNetFU, denseCrf, kernelBackend } from '../src/api.js';
import { createRng } from '@deepigeos/core';

function tensorFrom(shape: number[], seed: number, scale: number): tf.Tensor {
  const r = createRng(seed).next;
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (r() - 0.5) * 2 * scale), shape);
}

const round = (values: ArrayLike<number>) => Array.from(values, (v) => Math.round(v * 1e4) / 1e4);

/** CRF-Net(fu) with seeds, a dense CRF and a lattice filter on small inputs; returns their outputs. */
export async function runCase(): Promise<{ backend: string; kernels: string; crfNetFU: number[]; seedsHonoured: boolean; denseCrf: number[]; lattice: number[]; ms: number }> {
  const start = performance.now();
  const shape = [1, 12, 14];
  const unaries = tensorFrom([...shape, 2], 1, 2);
  const image = tensorFrom([...shape, 1], 2, 1);
  const fgData = new Float32Array(12 * 14);
  const bgData = new Float32Array(12 * 14);
  fgData[20] = 1;
  fgData[77] = 1;
  bgData[150] = 1;
  const fg = tf.tensor(fgData, [...shape, 1]);
  const bg = tf.tensor(bgData, [...shape, 1]);
  const fu = crfNetFU({ hiddenUnits: [8], tableBins: 64 }); // tabulated: the 2-label kernel runs
  fu.apply([unaries, image, fg, bg]);
  fu.setWeights(fu.getWeights().map((w, i) => tensorFrom(w.shape, 10 + i, 0.5)));
  const fuOut = (fu.apply([unaries, image, fg, bg]) as tf.Tensor).dataSync();
  let seedsHonoured = true;
  for (let i = 0; i < fgData.length; i++) {
    if (fgData[i] && !(fuOut[i * 2 + 1]! > fuOut[i * 2]!)) seedsHonoured = false;
    if (bgData[i] && !(fuOut[i * 2]! > fuOut[i * 2 + 1]!)) seedsHonoured = false;
  }
  const dense = (denseCrf({ thetaAlpha: 4, thetaBeta: 0.3, thetaGamma: 2 }).apply([unaries, image]) as tf.Tensor).dataSync();
  const features = Float32Array.from({ length: 50 * 3 }, (_, i) => ((i * 7919) % 101) / 20);
  const lattice = createLattice(features, 50, 3).filter(Float32Array.from({ length: 50 }, (_, i) => i % 5), 1, { reverse: true });
  return {
    backend: tf.getBackend(),
    kernels: kernelBackend(),
    crfNetFU: round(fuOut.slice(0, 40)),
    seedsHonoured,
    denseCrf: round(dense.slice(0, 40)),
    lattice: round(lattice.slice(0, 20)),
    ms: performance.now() - start,
  };
}
