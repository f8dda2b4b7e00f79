// Benchmark: the package's Dropout against tfjs-layers' built-in one in the same run, forward and
// gradient in training, on the activations a 2D P-Net of the CLI's default size drops (32
// channels, 64² patches, batch 4: the 160-channel block concatenation and the 64-channel
// classifier layer) and of a 3D one (48³ × 2, 20 and 16 channels), on the wasm backend.
//   npm run build && node bench/dropout-bench.mjs   (BENCH_REPEATS=n)
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Dropout, initBackend } from '../dist/index.js';
import { medianMs } from './median-ms.mjs';

const repeats = Number(process.env.BENCH_REPEATS ?? 20);
await initBackend('wasm');
const cases = [
  ['2D, CLI default (64² × 4)', [[4, 64, 64, 160], [4, 64, 64, 64]]],
  ['3D (48³ × 2)', [[2, 48, 48, 48, 20], [2, 48, 48, 48, 16]]],
];

/** Median ms of dropout + its gradient over the shapes, in training. */
function time(make, shapes) {
  const layers = shapes.map(() => make());
  const inputs = shapes.map((s) => tf.randomNormal(s));
  const step = () =>
    tf.tidy(() => {
      for (const [i, layer] of layers.entries()) {
        const g = tf.grad((x) => tf.sum(layer.apply(x, { training: true })))(inputs[i]);
        g.dataSync();
      }
    });
  const ms = medianMs(step, repeats);
  tf.dispose(inputs);
  return ms;
}

for (const [name, shapes] of cases) {
  const tfjs = time(() => tfl.layers.dropout({ rate: 0.2 }), shapes);
  const ours = time(() => new Dropout({ rate: 0.2 }), shapes);
  console.log(`${name.padEnd(26)} | tfjs-layers Dropout ${tfjs.toFixed(1)} ms | @deepigeos/pnet Dropout ${ours.toFixed(1)} ms | ${(tfjs / ours).toFixed(2)}× faster`);
}
