import * as tf from '@tensorflow/tfjs-core';
import * as p from '../dist/index.js';
await p.initBackend('wasm');
const which = process.argv[2];
const S = Number(process.argv[3] ?? 64);
const m = which.startsWith('3d') ? p.createPNet3D({ inputChannels: 1, numClasses: 2 }) : p.createPNet2D({ inputChannels: 1, numClasses: 2 });
const shape = which.startsWith('3d') ? [1, S, S, S, 1] : [1, S, S, 1];
const x = tf.randomNormal(shape);
const y = tf.cast(tf.greater(tf.randomUniform(shape.slice(0, -1)), 0.5), 'int32');
const opt = tf.train.adam(1e-3);
const ts = [];
for (let i = 0; i < 3; i++) { const t0 = performance.now();
  if (which.endsWith('train')) await p.trainStep(m, opt, [x, y]); else { const o = m.predict(x); await o.data(); o.dispose(); }
  ts.push(((performance.now() - t0)/1000).toFixed(3)); }
console.log(which, S, p.convolutionImplementation(), ts.join(' '));
