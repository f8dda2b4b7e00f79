// Per-layer profile of the convolution kernels on the wasm backend, side by side in one process:
// the Node addon (where it loads), the same kernels in WebAssembly SIMD128, and tfjs' fused conv2d
// (XNNPACK), forward (bias + ReLU fused; 3×3 layers also by the direct sums against Winograd) and
// filter gradient, for the layer shapes of the 2D and 3D
// P-Nets ("3D tap": one depth tap of a 3×3×3 layer, a conv2d over depth slices batched along N;
// the networks run a layer's three taps in one call). Prints median ms and
// GFLOP/s (2 flops per multiply-add), the wasm/addon ratio, the WebAssembly kernels on 2 threads,
// and what their one copy per layer costs alone (x in, output back: two typed-array copies).
//   npm run build && node bench/conv-kernels-bench.mjs   (BENCH_REPEATS=n)
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { convolutionImplementation, initBackend, useConvolutions, useWinograd } from '../dist/index.js';
import { nativeConv2d, nativeFilterGradient } from '../dist/ops/native-conv.js';
import { prepareWasmConv } from '../dist/ops/wasm-conv-threads.js';
import { medianMs } from './median-ms.mjs';

const repeats = Number(process.env.BENCH_REPEATS ?? 5);
await initBackend('wasm');

// name, x [N, H, W, Cin], kernel [KH, KW], Cout, dilation
const layers = [
  ['2D 3×3 64→64 d=1 (256²)', [1, 256, 256, 64], [3, 3], 64, [1, 1]],
  ['2D 3×3 64→64 d=16 (256²)', [1, 256, 256, 64], [3, 3], 64, [16, 16]],
  ['2D 3×3 1→64 (256²)', [1, 256, 256, 1], [3, 3], 64, [1, 1]],
  ['2D 1×1 320→64 (256²)', [1, 256, 256, 320], [1, 1], 64, [1, 1]],
  ['3D tap 3×3 16→16 d=1 (96 slices of 96²)', [96, 96, 96, 16], [3, 3], 16, [1, 1]],
  ['3D tap 3×3 16→16 d=4 (96 slices of 96²)', [96, 96, 96, 16], [3, 3], 16, [4, 4]],
  ['3D 1×1 16→4 (96³)', [96, 96, 96, 16], [1, 1], 4, [1, 1]],
  ['3D 3×3 16→2 (96 slices of 96²)', [96, 96, 96, 16], [3, 3], 2, [1, 1]],
];

const median = (run) => medianMs(run, repeats);

const pads = (k, d) => [Math.floor((d * (k - 1)) / 2), d * (k - 1) - Math.floor((d * (k - 1)) / 2)];
const load = () => execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
console.log(`load average at start: ${load()}; median of ${repeats} after a warm-up; ms (GFLOP/s)`);
const choices = [
  ['auto', 'addon', 1],
  ['wasm-simd', 'wasm-simd', 1],
  ['wasm-simd', 'wasm-simd 2 threads', 2],
  ['tfjs', 'tfjs', 1],
];
for (const [name, xShape, kernel, cout, dilation] of layers) {
  const x = tf.randomNormal(xShape);
  const f = tf.randomNormal([...kernel, xShape[3], cout]);
  const b = tf.randomNormal([cout]);
  const dy = tf.randomNormal([...xShape.slice(0, 3), cout]);
  const p = [pads(kernel[0], dilation[0]), pads(kernel[1], dilation[1])];
  const flops = 2 * xShape[0] * xShape[1] * xShape[2] * kernel[0] * kernel[1] * xShape[3] * cout;
  const cells = [];
  const ms = {};
  for (const [choice, label, threads] of choices) {
    useConvolutions(choice);
    await prepareWasmConv(threads);
    const impl = convolutionImplementation();
    if (choice === 'auto' && !impl.startsWith('native')) continue;
    const forward =
      impl === 'tfjs'
        ? () => tf.fused.conv2d({ x, filter: f, strides: 1, pad: [[0, 0], ...p, [0, 0]], dilations: dilation, bias: b, activation: 'relu' }).dispose()
        : () => nativeConv2d(x, f, p, dilation, b, true).dispose();
    const t = median(forward);
    ms[`${label} fwd`] = t;
    let cell = `${label} (${impl}) fwd ${t.toFixed(1)} (${(flops / t / 1e6).toFixed(1)})`;
    if (impl !== 'tfjs' && kernel[0] === 3 && kernel[1] === 3) {
      // The same layer by the direct sums (Winograd off): GFLOP/s counted as for the direct sums.
      useWinograd(false);
      const td = median(forward);
      useWinograd(true);
      cell += ` [direct ${td.toFixed(1)}: Winograd ${(td / t).toFixed(2)}×]`;
    }
    if (impl !== 'tfjs') {
      const tg = median(() => {
        const g = nativeFilterGradient(x, dy, kernel, p, dilation, true);
        tf.dispose([g.filter, g.bias]);
      });
      ms[`${label} grad`] = tg;
      cell += ` dW ${tg.toFixed(1)} (${(flops / tg / 1e6).toFixed(1)})`;
    }
    cells.push(cell);
  }
  useConvolutions('auto');
  // The threads' copies alone: x into a shared buffer, the output back out.
  const xs = new Float32Array(x.size);
  const ys = new Float32Array(x.size / xShape[3] * cout);
  const sharedX = new Float32Array(new SharedArrayBuffer(xs.byteLength));
  const sharedY = new Float32Array(new SharedArrayBuffer(ys.byteLength));
  const copy = median(() => {
    sharedX.set(xs);
    ys.set(sharedY);
  });
  const ratio = (a, c) => (ms[a] && ms[c] ? `${(ms[a] / ms[c]).toFixed(2)}×` : '–');
  console.log(
    `${name.padEnd(42)} | ${cells.join(' | ')} | wasm/addon fwd ${ratio('wasm-simd fwd', 'addon fwd')} dW ${ratio('wasm-simd grad', 'addon grad')} | wasm/tfjs fwd ${ratio('wasm-simd fwd', 'tfjs fwd')} | 2 threads/1 fwd ${ratio('wasm-simd 2 threads fwd', 'wasm-simd fwd')} | copies ${copy.toFixed(1)} ms`,
  );
  tf.dispose([x, f, b, dy]);
}
console.log(`load average at end: ${load()}`);
