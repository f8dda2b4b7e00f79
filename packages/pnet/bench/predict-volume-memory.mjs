// Peak resident memory of predictVolume with the 3D P-Net on a 240×240×155 volume (wasm backend).
// Run by pnet-bench.mjs in a fresh process so the peak belongs to this job alone.
import * as tf from '@tensorflow/tfjs-core';
import { createPNet3D, initBackend, predictVolume } from '../dist/index.js';

// BENCH_SHAPE=d,h,w changes the volume (e.g. one window's size, to read the peak per window).
const shape = [...(process.env.BENCH_SHAPE ?? '155,240,240').split(',').map(Number), 1];
const patchSize = (process.env.BENCH_PATCH ?? '32,240,240').split(',').map(Number);
await initBackend('wasm');
const model = createPNet3D({ inputChannels: 1, numClasses: 2 });
const data = new Float32Array(shape[0] * shape[1] * shape[2]);
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) + ((i * 7919) % 101) / 101;
let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 50);
const t0 = performance.now();
const wasmHeap = () => tf.backend().wasm?.HEAPU8.length ?? 0;
const out = await predictVolume(model, { data, shape }, {
  patchSize,
  onProgress: (done, total) => {
    sample();
    const gib = (b) => (b / 2 ** 30).toFixed(2);
    console.log(`  step ${done}/${total}: ${((performance.now() - t0) / 1000).toFixed(0)} s, rss ${gib(process.memoryUsage().rss)} GiB, wasm heap ${gib(wasmHeap())} GiB`);
  },
});
clearInterval(timer);
sample();
console.log(
  `predictVolume 3D P-Net on ${shape.slice(0, 3).join('×')} (patch ${patchSize.join('×')}, exact margins): ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s, peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB, output ${out.shape.join('×')}`,
);
