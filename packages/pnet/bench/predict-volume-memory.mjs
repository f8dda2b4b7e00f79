// Peak resident memory of predictVolume with the 3D P-Net on a 240×240×155 volume (wasm backend).
// Run by pnet-bench.mjs in a fresh process so the peak belongs to this job alone.
import { createPNet3D, initBackend, predictVolume } from '../dist/index.js';

const shape = [155, 240, 240, 1];
const patchSize = (process.env.BENCH_PATCH ?? '32,240,240').split(',').map(Number);
await initBackend('wasm');
const model = createPNet3D({ inputChannels: 1, numClasses: 2 });
const data = new Float32Array(155 * 240 * 240);
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) + ((i * 7919) % 101) / 101;
let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 50);
const t0 = performance.now();
const out = await predictVolume(model, { data, shape }, { patchSize, onProgress: sample });
clearInterval(timer);
sample();
console.log(
  `predictVolume 3D P-Net on 240×240×155 (patch ${patchSize.join('×')}, exact margins): ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s, peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB, output ${out.shape.join('×')}`,
);
