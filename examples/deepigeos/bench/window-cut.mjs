// Cutting 24³ windows out of a whole-brain 4-channel R-Net input (179×217×181, the Colin27 T1
// after cropping): tf.slice on the tensor (what tiled 3D inference did) against copying rows out
// of one download in JS (what it does now), in the same run. The tensor is random: only the cost
// of the cut is measured. Usage: node bench/window-cut.mjs [windows]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@deepigeos/pnet';
import { loadavg } from 'node:os';
await initBackend();
const [D, H, W, C] = [179, 217, 181, 4];
const x = tf.randomNormal([1, D, H, W, C]);
const p = 24;
const n = Number(process.argv[2] ?? 20);
const starts = Array.from({ length: n }, (_, i) => [(i * 7) % (D - p), (i * 11) % (H - p), (i * 13) % (W - p)]);
let t0 = performance.now();
for (const [z, y, w] of starts) { const s = tf.slice(x, [0, z, y, w, 0], [1, p, p, p, -1]); await s.data(); s.dispose(); }
const sliceMs = (performance.now() - t0) / starts.length;
t0 = performance.now();
const input = x.dataSync();
const download = performance.now() - t0;
t0 = performance.now();
const win = new Float32Array(p * p * p * C);
for (const [z, y, w] of starts) {
  for (let a = 0, k = 0; a < p; a++) for (let b = 0; b < p; b++, k += p * C) { const src = (((z + a) * H + y + b) * W + w) * C; win.set(input.subarray(src, src + p * C), k); }
  const t = tf.tensor(win, [1, p, p, p, C]); await t.data(); t.dispose();
}
const jsMs = (performance.now() - t0) / starts.length;
console.log(`backend ${tf.getBackend()}, load average ${loadavg()[0].toFixed(1)}, ${n} windows: tf.slice ${sliceMs.toFixed(1)} ms/window, JS cut ${jsMs.toFixed(2)} ms/window (+ one download of the input, ${download.toFixed(0)} ms); ratio ${(sliceMs / jsMs).toFixed(0)}×`);
