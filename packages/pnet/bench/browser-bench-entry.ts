// Runs in Chromium on a cross-origin-isolated page (bundled by bench/pnet-bench-browser.mjs): the
// P-Nets on the wasm backend with the package's WebAssembly SIMD kernels on 2 threads and on 1,
// and with tfjs' own kernels (1 thread: tfjs' threaded build is off in browsers), one path after
// another per case. Median wall seconds of each case's repeats after a warm-up. The bundler
// replaces import.meta.env.VITE_PNET_BENCH_ONLY (substrings of case names, comma-separated) and
// VITE_PNET_BENCH_PATHS (substrings of path labels).
import * as tf from '@tensorflow/tfjs-core';
import { convolutionImplementation, createPNet2D, createPNet3D, initBackend, predictVolume, trainStep } from '@deepigeos/pnet';
import { wasmPaths } from '../test/browser-wasm-paths.js';

interface Case {
  name: string;
  net: '2d' | '3d';
  mode: 'forward' | 'train' | 'stream';
  shape: number[];
  patch?: number[];
  repeats: number;
}

const cases: Case[] = [
  { name: '2D P-Net forward', net: '2d', mode: 'forward', shape: [256, 256], repeats: 3 },
  { name: '3D P-Net forward', net: '3d', mode: 'forward', shape: [96, 96, 96], repeats: 3 },
  { name: '2D P-Net train step', net: '2d', mode: 'train', shape: [256, 256], repeats: 3 },
  { name: '3D P-Net train step', net: '3d', mode: 'train', shape: [48, 48, 48], repeats: 3 },
  // A whole MNI-sized brain (Colin27's grid), depth-streamed as the app runs it.
  { name: '3D P-Net predictVolume', net: '3d', mode: 'stream', shape: [181, 217, 181], patch: [32, 217, 181], repeats: 1 },
];

const paths = [
  { label: 'wasm-simd 2 threads', options: { convolutions: 'wasm-simd' as const, convolutionThreads: 2 } },
  { label: 'wasm-simd 1 thread', options: { convolutions: 'wasm-simd' as const, convolutionThreads: 1 } },
  { label: 'tfjs', options: { convolutions: 'tfjs' as const, convolutionThreads: 1 } },
];

async function time(c: Case): Promise<number> {
  const model = c.net === '3d' ? createPNet3D({ inputChannels: 1, numClasses: 2 }) : createPNet2D({ inputChannels: 1, numClasses: 2 });
  const x = tf.randomNormal([1, ...c.shape, 1]);
  const y = tf.cast(tf.greater(tf.randomUniform([1, ...c.shape]), 0.5), 'int32');
  const optimizer = tf.train.adam(1e-3);
  const run = {
    forward: async () => {
      const out = model.predict(x) as tf.Tensor;
      await out.data();
      out.dispose();
    },
    train: async () => {
      await trainStep(model, optimizer, [x, y]);
    },
    stream: async () => {
      await predictVolume(model, { data: (await x.data()) as Float32Array, shape: [...c.shape, 1] }, { patchSize: c.patch!, output: 'logits' });
    },
  }[c.mode];
  if (c.mode !== 'stream') await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < c.repeats; i++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / 1000);
  }
  model.dispose();
  tf.dispose([x, y]);
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const env = (import.meta as { env?: Record<string, string | undefined> }).env;
const only = env?.VITE_PNET_BENCH_ONLY?.split(',');
const onlyPaths = env?.VITE_PNET_BENCH_PATHS?.split(',');

export default async function run() {
  const rows: { name: string; shape: string; results: { label: string; implementation: string; seconds: number }[] }[] = [];
  for (const c of cases) {
    if (only !== undefined && !only.some((part) => c.name.includes(part))) continue;
    const results = [];
    for (const path of paths) {
      if (onlyPaths !== undefined && !onlyPaths.some((part) => path.label.includes(part))) continue;
      await initBackend('wasm', { wasmPaths, ...path.options });
      results.push({ label: path.label, implementation: convolutionImplementation(), seconds: await time(c) });
    }
    rows.push({ name: c.name, shape: c.shape.join('×'), results });
  }
  return { crossOriginIsolated: globalThis.crossOriginIsolated, cores: navigator.hardwareConcurrency, userAgent: navigator.userAgent, rows };
}
