// Per-kernel profile of one 2D (or NET=3d) P-Net training step on wasm (tf.profile), after timing a few steps.
//   node bench/profile-train-step.mjs   (S=side, default 128; STEPS=n; PROFILE=0 to time only)
import * as tf from '@tensorflow/tfjs-core';
import { createPNet2D, createPNet3D, initBackend, trainStep } from '../dist/index.js';
await initBackend('wasm');
const S = Number(process.env.S ?? 128);
const three = process.env.NET === '3d';
const shape = three ? [S, S, S] : [S, S];
const model = three ? createPNet3D({ inputChannels: 1, numClasses: 2 }) : createPNet2D({ inputChannels: 1, numClasses: 2 });
const x = tf.randomNormal([1, ...shape, 1]);
const y = tf.cast(tf.greater(tf.randomUniform([1, ...shape]), 0.5), 'int32');
const opt = tf.train.adam(1e-3);
await trainStep(model, opt, [x, y]);
const times = [];
for (let i = 0; i < Number(process.env.STEPS ?? 3); i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await trainStep(model, opt, [x, y]);
  const c = process.cpuUsage(c0);
  times.push(`${(performance.now() - t0).toFixed(0)} ms (cpu ${((c.user + c.system) / 1000).toFixed(0)})`);
}
console.log(`${shape.join('×')} train step: ${times.join(', ')}`);
if (process.env.PROFILE === '0') process.exit(0);
const info = await tf.profile(() => trainStep(model, opt, [x, y]));
console.log(`${info.kernels.length} kernels, ${info.kernels.reduce((a, k) => a + k.kernelTimeMs, 0).toFixed(0)} ms in kernels (nested scopes counted twice)`);
const agg = {};
for (const k of info.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes); agg[key] ??= [0, 0]; agg[key][0] += k.kernelTimeMs; agg[key][1]++; }
const byName = {};
for (const k of info.kernels) { byName[k.name] = (byName[k.name] ?? 0) + k.kernelTimeMs; }
console.log(Object.entries(byName).sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('\n'));
console.log('---');
console.log(Object.entries(agg).sort((a, b) => b[1][0] - a[1][0]).slice(0, 40).map(([k, v]) => `${v[0].toFixed(1)} x${v[1]} ${k}`).join('\n'));
