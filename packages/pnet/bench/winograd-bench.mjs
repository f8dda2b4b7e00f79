// Winograd F(2×2, 3×3) against the direct kernels, in one process: the 3D R-Net's streamed
// forward pass on a 96³ region (what one refinement runs) on each kernel build this machine has —
// the Node addon, the WebAssembly SIMD kernels on one thread and on two — alternating the two
// algorithms; best of `BENCH_REPEATS` (default 3) after a warm-up. Prints seconds and the ratio.
//   npm run build && node bench/winograd-bench.mjs
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { convolutionImplementation, createPNet3D, initBackend, predictVolume, useConvolutions, useWinograd } from '../dist/index.js';
import { prepareWasmConv } from '../dist/ops/wasm-conv-threads.js';

const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const load = () => execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
await initBackend('wasm');
const model = createPNet3D({ inputChannels: 4, numClasses: 2 }); // R-Net: 1 image channel + 3
const shape = [96, 96, 96];
const x = tf.randomNormal([1, ...shape, 4]);
const volume = { data: x.dataSync(), shape: [...shape, 4] };
const run = () => predictVolume(model, volume, { patchSize: shape, workers: 1, output: 'logits' });

console.log(`load average at start: ${load()}; R-Net forward on 96³, best of ${repeats}, seconds`);
for (const [choice, threads] of [['auto', 1], ['wasm-simd', 1], ['wasm-simd', 2]]) {
  useConvolutions(choice);
  await prepareWasmConv(threads);
  if (choice === 'auto' && !convolutionImplementation().startsWith('native')) continue;
  await run();
  const best = { direct: Infinity, winograd: Infinity };
  for (let i = 0; i < repeats; i++) {
    for (const algorithm of ['direct', 'winograd']) {
      useWinograd(algorithm === 'winograd');
      const t0 = performance.now();
      await run();
      best[algorithm] = Math.min(best[algorithm], (performance.now() - t0) / 1000);
    }
  }
  useWinograd(true);
  const label = choice === 'auto' ? `${convolutionImplementation()} (addon threads: default)` : `${convolutionImplementation()}, ${threads} thread${threads > 1 ? 's' : ''}`;
  console.log(`${label.padEnd(40)} direct ${best.direct.toFixed(2)} s | Winograd ${best.winograd.toFixed(2)} s | ${(best.direct / best.winograd).toFixed(2)}×`);
}
console.log(`load average at end: ${load()}`);
