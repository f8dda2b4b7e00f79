// The package's direct conv2d, as the Node addon (each ISA) and as WebAssembly SIMD128: equal to
// tfjs' conv2d on the cpu backend over odd channel counts, kernels, dilations, pads larger than
// the image, batches and the fused epilogue; their argument validation (the same JS errors, never
// a crash); the loader's switches; and worker threads.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { defaultConvolutionThreads } from '../src/conv-threads-node.js';
import { loadNativeConv } from '../src/native-conv-addon.js';
import { conv2dFast } from '../src/ops/conv2d-fast.js';
import {
  convolutionImplementation,
  type NativeConv,
  nativeConv2d,
  nativeDepthConv,
  nativeFilterGradient,
  useConvolutions,
  useWinograd,
  winogradEnabled,
} from '../src/ops/native-conv.js';
import { wasmConvFor } from '../src/ops/wasm-conv.js';
import { prepareWasmConv, stopConvThreads, threadedConv } from '../src/ops/wasm-conv-threads.js';
import { heapOutputs, wasmHeapView } from '../src/ops/wasm-heap.js';
import { platform } from '../src/platform.js';
import { nativeExpected, packageDir } from './fixtures.js';
import { maxAbs, maxAbsDiff, randomArray } from './reference.js';

interface Case {
  x: [number, number, number, number]; // [N, H, W, Cin]
  k: [number, number];
  cout: number;
  dil: [number, number];
  pads: [[number, number], [number, number]];
  bias: boolean;
  relu: boolean;
}

/**
 * Deterministic cases covering every listed value: Cin and Cout in 1, 3, 5, 17, 64, 67 (Cout also
 * 9 and 16); kernels
 * 1×1, 3×3, 1×3, 3×1; dilations 1–16 per axis; pads from 0 to beyond the image; widths that are
 * not multiples of the kernels' 4-, 6-, 8- and 12-pixel tiles (WebAssembly, AVX2/AVX-512); batch 1–3; bias and ReLU on and off.
 */
function cases(): Case[] {
  const channels = [1, 3, 5, 17, 64, 67];
  const kernels: [number, number][] = [
    [1, 1],
    [3, 3],
    [1, 3],
    [3, 1],
  ];
  const rnd = randomArray(400, 99);
  const pick = (i: number, n: number) => Math.floor(((rnd[i]! + 1) / 2) * n);
  const out: Case[] = [];
  for (let i = 0; i < 24; i++) {
    const k = kernels[i % 4]!;
    const dil: [number, number] = i % 5 === 1 ? [1, 1] : [1 + pick(8 * i, 16), 1 + pick(8 * i + 1, 16)];
    const h = 1 + pick(8 * i + 2, 19);
    const w = 1 + pick(8 * i + 3, 27);
    // 'same' pads half the time, otherwise anything up to 20 (often more than the image).
    const same = i % 2 === 0;
    const pad = (axis: 0 | 1, j: number): [number, number] => {
      if (same) {
        const total = dil[axis] * (k[axis] - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      }
      return [pick(8 * i + 4 + j, 21), pick(8 * i + 5 + j, 21)];
    };
    const pads: [[number, number], [number, number]] = [pad(0, 0), pad(1, 2)];
    // Keep the output non-empty: grow a pad if the dilated kernel outgrows the padded input.
    for (const a of [0, 1] as const) {
      const size = [h, w][a]! + pads[a][0] + pads[a][1] - dil[a] * (k[a] - 1);
      if (size < 1) pads[a][1] += 1 - size;
    }
    out.push({
      x: [1 + (i % 3), h, w, channels[i % 6]!],
      k,
      cout: [...channels, 9, 16][(i * 5 + 1) % 8]!, // 9 and 16: AVX-512's one-vector tile
      dil,
      pads,
      bias: i % 4 < 2,
      relu: i % 3 !== 0,
    });
  }
  return out;
}

const native = nativeExpected();

// Two threads for the threaded WebAssembly kernels, started once for the file.
beforeAll(async () => {
  await initBackend('wasm');
  await prepareWasmConv(2);
});

/**
 * Runs `body` once per kernel build this machine runs: each ISA of the addon (where it loads) on
 * one thread and on two (every call threaded, however small), then the WebAssembly SIMD kernels
 * (everywhere) on one thread and on two. The backend must be wasm.
 */
function forEachKernel(body: (name: string) => void): void {
  const loaded = platform.nativeConv;
  const heap = wasmConvFor(tf.backend())!;
  const kernels: [string, NativeConv, number?][] = [
    ['wasm-simd', heap],
    ['wasm-simd-threads', threadedConv(heap)!],
  ];
  for (const isa of native ? (['avx2', 'avx512'] as const) : []) {
    const kernel = loadNativeConv(isa === 'avx2' ? 'avx2' : undefined)!;
    if (kernel.isa === isa) kernels.unshift([`native-${isa}`, kernel, 1], [`native-${isa} on 2 threads`, kernel, 2]); // else this CPU lacks AVX-512
  }
  const threadsBefore = loaded?.threads?.();
  for (const [name, kernel, threads] of kernels) {
    platform.nativeConv = kernel;
    if (threads !== undefined) kernel.setThreads!(threads, 0);
    try {
      expect(convolutionImplementation()).toBe(kernel.isa.startsWith('wasm') ? kernel.isa : `native-${kernel.isa}`);
      body(name);
    } finally {
      platform.nativeConv = loaded;
      if (threadsBefore !== undefined) loaded!.setThreads!(threadsBefore);
    }
  }
}

it(`convolutionImplementation: ${native ? 'the addon on wasm (linux-x64 with AVX2 + FMA)' : 'wasm-simd-threads (no AVX2 + FMA or not linux-x64)'}, wasm-simd(-threads) and tfjs when chosen, tfjs on cpu`, async () => {
  await initBackend('wasm');
  const flags = native ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const isa = native && /^flags\s*:.*\bavx512f\b/m.test(flags) ? 'avx512' : 'avx2';
  // Two threads were started for the file (a machine without the addon would use them by default).
  expect(convolutionImplementation()).toBe(native ? `native-${isa}` : 'wasm-simd-threads');
  await initBackend('wasm', { convolutions: 'wasm-simd', convolutionThreads: 2 });
  expect(convolutionImplementation()).toBe('wasm-simd-threads');
  await initBackend('wasm', { convolutionThreads: 1 });
  expect(convolutionImplementation()).toBe('wasm-simd');
  await initBackend('wasm', { convolutionThreads: 2 });
  expect(convolutionImplementation()).toBe('wasm-simd-threads');
  useConvolutions('tfjs');
  expect(convolutionImplementation()).toBe('tfjs');
  expect(() => useConvolutions('xnnpack' as 'tfjs')).toThrow(TypeError);
  useConvolutions('auto');
  await initBackend('cpu');
  expect(convolutionImplementation()).toBe('tfjs');
  await initBackend('wasm');
});

describe('the direct conv2d (Node addon, WebAssembly SIMD) on the wasm heap', () => {
  for (const c of cases()) {
    const name =
      `x [${c.x}] k ${c.k.join('×')} Cout ${c.cout} d (${c.dil}) pads ${JSON.stringify(c.pads)}` +
      `${c.bias ? ' +bias' : ''}${c.relu ? ' relu' : ''}`;
    it(`${name}: equals tf.conv2d on cpu to 1e-5 relative (every ISA and wasm-simd, each on 1 and 2 threads)`, async () => {
      const xData = randomArray(c.x.reduce((a, b) => a * b), 11);
      const fShape = [...c.k, c.x[3], c.cout];
      const fData = randomArray(fShape.reduce((a, b) => a * b), 12);
      const bData = randomArray(c.cout, 13);
      await initBackend('cpu');
      const ref = tf.tidy(() => {
        let y: tf.Tensor = tf.conv2d(tf.tensor4d(xData, c.x), tf.tensor4d(fData, fShape as number[] as [number, number, number, number]), 1, [[0, 0], c.pads[0], c.pads[1], [0, 0]], 'NHWC', c.dil);
        if (c.bias) y = tf.add(y, tf.tensor1d(bData));
        return c.relu ? tf.relu(y) : y;
      });
      const expected = ref.dataSync().slice();
      const shape = ref.shape;
      ref.dispose();
      await initBackend('wasm');
      forEachKernel((isa) => {
        const x = tf.tensor4d(xData, c.x);
        const f = tf.tensor4d(fData, fShape as [number, number, number, number]);
        const b = c.bias ? tf.tensor1d(bData) : undefined;
        const y = nativeConv2d(x, f, c.pads, c.dil, b, c.relu)!;
        expect(y.shape).toEqual(shape);
        expect(maxAbsDiff(y.dataSync(), expected), isa).toBeLessThanOrEqual(1e-5 * Math.max(1e-3, maxAbs(expected)));
        tf.dispose([x, f, y, ...(b ? [b] : [])]);
      });
    });
  }

  for (const c of cases()) {
    it(`x [${c.x}] k ${c.k.join('×')} Cout ${c.cout} d (${c.dil}) pads ${JSON.stringify(c.pads)}: filter and bias gradients equal float64 sums (every ISA and wasm-simd, each on 1 and 2 threads)`, async () => {
      const [n, h, w, cin] = c.x;
      const [kh, kw] = c.k;
      const outH = h + c.pads[0][0] + c.pads[0][1] - c.dil[0] * (kh - 1);
      const outW = w + c.pads[1][0] + c.pads[1][1] - c.dil[1] * (kw - 1);
      const xData = randomArray(n * h * w * cin, 14);
      const dyData = randomArray(n * outH * outW * c.cout, 15);
      // dW[ky, kx, ci, co] = Σ_{n, oy, ox} x[n, oy − padTop + ky·dh, ox − padLeft + kx·dw, ci] · dy[n, oy, ox, co]
      const refFilter = new Float64Array(kh * kw * cin * c.cout);
      const refBias = new Float64Array(c.cout);
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < outH; oy++) {
          for (let ox = 0; ox < outW; ox++) {
            const d = ((b * outH + oy) * outW + ox) * c.cout;
            for (let co = 0; co < c.cout; co++) refBias[co]! += dyData[d + co]!;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy - c.pads[0][0] + ky * c.dil[0];
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox - c.pads[1][0] + kx * c.dil[1];
                if (ix < 0 || ix >= w) continue;
                for (let ci = 0; ci < cin; ci++) {
                  const xv = xData[((b * h + iy) * w + ix) * cin + ci]!;
                  const base = ((ky * kw + kx) * cin + ci) * c.cout;
                  for (let co = 0; co < c.cout; co++) refFilter[base + co]! += xv * dyData[d + co]!;
                }
              }
            }
          }
        }
      }
      await initBackend('wasm');
      forEachKernel((isa) => {
        const x = tf.tensor4d(xData, c.x);
        const dy = tf.tensor4d(dyData, [n, outH, outW, c.cout]);
        const g = nativeFilterGradient(x, dy, c.k, c.pads, c.dil, c.bias)!;
        expect(g.filter.shape).toEqual([kh, kw, cin, c.cout]);
        expect(maxAbsDiff(g.filter.dataSync(), refFilter), isa).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(refFilter)));
        if (c.bias) expect(maxAbsDiff(g.bias!.dataSync(), refBias), isa).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(refBias)));
        else expect(g.bias).toBeUndefined();
        tf.dispose([x, dy, g.filter, ...(g.bias ? [g.bias] : [])]);
      });
    });
  }

  // [Din, H, W, Cin, Cout, KD, dd, dh, dw, pads [top, bottom, left, right], bias, relu]: the 3D
  // P-Net's 3×3×3 layers (16 → 16, 4 → 16, 16 → 2) at dilations 1–5, odd sizes and channels,
  // asymmetric pads, a depth dilation leaving one output slice, and 2 depth taps.
  const depthCases: [number, number, number, number, number, number, number, number, number, [number, number, number, number], boolean, boolean][] = [
    [5, 7, 9, 16, 16, 3, 1, 1, 1, [1, 1, 1, 1], true, true],
    [9, 6, 13, 4, 16, 3, 2, 2, 2, [2, 2, 2, 2], true, true],
    [11, 8, 8, 16, 2, 3, 5, 3, 4, [3, 3, 4, 4], true, false],
    [7, 5, 19, 3, 17, 2, 3, 1, 2, [0, 2, 3, 0], false, true],
    [3, 4, 4, 5, 9, 3, 1, 4, 4, [4, 4, 4, 4], false, false],
  ];
  for (const [din, h, w, cin, cout, kd, dd, dh, dw, [top, bottom, left, right], bias, relu] of depthCases) {
    it(`depth taps: x [${din}, ${h}, ${w}, ${cin}] k ${kd}×3×3 → ${cout} ch, d (${dd}, ${dh}, ${dw})${bias ? ' +bias' : ''}${relu ? ' relu' : ''}: equals float64 sums by Winograd and directly (every ISA and wasm-simd, each on 1 and 2 threads)`, async () => {
      const outD = din - dd * (kd - 1);
      const outH = h + top + bottom - 2 * dh;
      const outW = w + left + right - 2 * dw;
      const xData = randomArray(din * h * w * cin, 51);
      const fData = randomArray(kd * 9 * cin * cout, 52);
      const bData = randomArray(cout, 53);
      // y[z, oy, ox, co] = b[co] + Σ x[z + kz·dd, oy − top + ky·dh, ox − left + kx·dw, ci] · f[kz, ky, kx, ci, co]
      const expected = new Float64Array(outD * outH * outW * cout);
      for (let z = 0; z < outD; z++) {
        for (let oy = 0; oy < outH; oy++) {
          for (let ox = 0; ox < outW; ox++) {
            const o = ((z * outH + oy) * outW + ox) * cout;
            for (let co = 0; co < cout; co++) expected[o + co] = bias ? bData[co]! : 0;
            for (let kz = 0; kz < kd; kz++) {
              for (let ky = 0; ky < 3; ky++) {
                const iy = oy - top + ky * dh;
                if (iy < 0 || iy >= h) continue;
                for (let kx = 0; kx < 3; kx++) {
                  const ix = ox - left + kx * dw;
                  if (ix < 0 || ix >= w) continue;
                  for (let ci = 0; ci < cin; ci++) {
                    const xv = xData[(((z + kz * dd) * h + iy) * w + ix) * cin + ci]!;
                    const base = (((kz * 3 + ky) * 3 + kx) * cin + ci) * cout;
                    for (let co = 0; co < cout; co++) expected[o + co]! += xv * fData[base + co]!;
                  }
                }
              }
            }
            if (relu) for (let co = 0; co < cout; co++) expected[o + co] = Math.max(0, expected[o + co]!);
          }
        }
      }
      await initBackend('wasm');
      try {
        for (const winograd of [true, false]) {
          useWinograd(winograd);
          forEachKernel((isa) => {
            const x = tf.tensor4d(xData, [din, h, w, cin]);
            const f = tf.tensor5d(fData, [kd, 3, 3, cin, cout]);
            const b = bias ? tf.tensor1d(bData) : undefined;
            const y = nativeDepthConv(x, f, [[top, bottom], [left, right]], [dd, dh, dw], b, relu)!;
            expect(y.shape).toEqual([outD, outH, outW, cout]);
            expect(maxAbsDiff(y.dataSync(), expected), `${isa}, winograd ${winograd}`).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(expected)));
            tf.dispose([x, f, y, ...(b ? [b] : [])]);
          });
        }
      } finally {
        useWinograd(true);
      }
    });
  }

  // The threaded kernels share the output slices between the calling thread (on tfjs' heap) and
  // the helpers (in the shared memory); the split point must not show in the output.
  it("wasm-simd-threads: the calling thread's share and the helpers' share give the one-thread output bit for bit (batches of 1–5, depth taps with halos), also through a handle kept after the helpers stopped", async () => {
    await initBackend('wasm');
    const heap = wasmConvFor(tf.backend())!;
    const threaded = threadedConv(heap)!;
    const loaded = platform.nativeConv;
    const run = (kernel: NativeConv, f: () => tf.Tensor) => {
      platform.nativeConv = kernel;
      try {
        const y = f();
        const values = y.dataSync().slice();
        y.dispose();
        return values;
      } finally {
        platform.nativeConv = loaded;
      }
    };
    // [N, H, W, Cin, Cout, KD, dd]: KD 1 is a conv2d of a batch of N.
    const shapes = [
      [1, 9, 11, 16, 16, 1, 1],
      [2, 9, 11, 16, 16, 1, 1],
      [5, 7, 6, 16, 17, 1, 1],
      [4, 8, 8, 16, 16, 3, 1],
      [9, 6, 7, 8, 16, 3, 2],
      [12, 5, 9, 16, 2, 3, 4],
    ];
    for (const [n, h, w, cin, cout, kd, dd] of shapes as [number, number, number, number, number, number, number][]) {
      for (const winograd of [true, false]) {
        useWinograd(winograd);
        const x = tf.tensor4d(randomArray(n * h * w * cin, 71 + n), [n, h, w, cin]);
        const f = tf.tensor5d(randomArray(kd * 9 * cin * cout, 72), [kd, 3, 3, cin, cout]);
        const b = tf.tensor1d(randomArray(cout, 73));
        const conv = () => nativeDepthConv(x, f, [[1, 1], [2, 2]], [dd, 2, 1], b, true)!;
        const one = run(heap, conv);
        const two = run(threaded, conv);
        expect(two.length).toBe((n - (kd - 1) * dd) * (h - 2) * (w + 2) * cout);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer)), `[${n}, ${h}, ${w}, ${cin}] → ${cout}, KD ${kd}, dd ${dd}, winograd ${winograd}`).toBe(true);
        tf.dispose([x, f, b]);
      }
    }
    useWinograd(true);
    // A handle kept after its helpers stopped computes everything on this thread.
    stopConvThreads();
    try {
      const x = tf.tensor4d(randomArray(6 * 8 * 8 * 16, 74), [6, 8, 8, 16]);
      const f = tf.tensor5d(randomArray(3 * 9 * 16 * 16, 75), [3, 3, 3, 16, 16]);
      const conv = () => nativeDepthConv(x, f, [[1, 1], [1, 1]], [1, 1, 1], undefined, false)!;
      expect(Buffer.from(run(threaded, conv).buffer).equals(Buffer.from(run(heap, conv).buffer))).toBe(true);
      tf.dispose([x, f]);
    } finally {
      await prepareWasmConv(2);
    }
  });

  // The switch must reach every build: the two algorithms round differently, so their outputs differ
  // in some low bits while both stay within float rounding of the sums (checked above).
  it('useWinograd switches the algorithm of every kernel build (outputs differ by rounding only), the direct sums run where Winograd would not pay; a non-boolean is refused', async () => {
    await initBackend('wasm');
    const x = tf.tensor4d(randomArray(4 * 12 * 12 * 16, 61), [4, 12, 12, 16]);
    const f = tf.tensor5d(randomArray(3 * 9 * 16 * 16, 62), [3, 3, 3, 16, 16]);
    try {
      forEachKernel((isa) => {
        const outputs = [true, false].map((on) => {
          useWinograd(on);
          expect(winogradEnabled()).toBe(on);
          const y = nativeDepthConv(x, f, [[1, 1], [1, 1]], [1, 1, 1], undefined, false)!;
          const data = y.dataSync();
          y.dispose();
          return data;
        });
        const diff = maxAbsDiff(outputs[0]!, outputs[1]!);
        expect(diff, isa).toBeGreaterThan(0);
        expect(diff, isa).toBeLessThanOrEqual(1e-5 * maxAbs(outputs[1]!));
      });
    } finally {
      useWinograd(true);
      tf.dispose([x, f]);
    }
    // Where tiles would mostly overhang the plane (dilation 16 on a 20² output), the direct sums
    // are cheaper and run either way: the same bits with the switch on or off.
    const small = tf.tensor4d(randomArray(20 * 20 * 8, 63), [1, 20, 20, 8]);
    const f2 = tf.tensor4d(randomArray(9 * 8 * 8, 64), [3, 3, 8, 8]);
    try {
      forEachKernel((isa) => {
        const [on, off] = [true, false].map((enabled) => {
          useWinograd(enabled);
          const y = nativeConv2d(small, f2, [[16, 16], [16, 16]], [16, 16], undefined, false)!;
          const data = y.dataSync();
          y.dispose();
          return data;
        });
        expect(maxAbsDiff(on!, off!), isa).toBe(0);
      });
    } finally {
      useWinograd(true);
      tf.dispose([small, f2]);
    }
    expect(() => useWinograd('no' as unknown as boolean)).toThrow(TypeError);
    expect(winogradEnabled()).toBe(true);
  });

  it('leaves tensors and heap consistent: output allocated by the backend, inputs untouched, no leak', async () => {
    await initBackend('wasm');
    forEachKernel(heapConsistency);
  });
});

describe.runIf(native)('the addon on several threads: the results of one thread', () => {
  // [N, H, W, Cin, Cout, dilation, pads [top, bottom, left, right]]: heights not divisible by the
  // thread counts, batches 1 and 3, dilations 1, 2 and 16, Cout 4 / 16 / 64, asymmetric pads.
  const shapes: [number, number, number, number, number, number, [number, number, number, number]][] = [
    [1, 13, 11, 3, 4, 1, [1, 1, 0, 2]],
    [3, 7, 19, 16, 16, 2, [2, 3, 1, 2]],
    [1, 23, 17, 17, 64, 16, [16, 16, 5, 27]],
    [3, 5, 9, 64, 16, 2, [0, 4, 2, 2]],
    [2, 1, 31, 8, 64, 1, [1, 1, 1, 1]],
  ];
  /** conv2d and filterGradient of one shape on `threads` threads, every call threaded (minWork 0). */
  const run = (conv: NativeConv, shape: (typeof shapes)[number], threads: number) => {
    const [n, h, w, cin, cout, d, [top, bottom, left, right]] = shape;
    const dims = [n, h, w, cin, 3, 3, cout, top, bottom, left, right, d, d];
    const outH = h + top + bottom - 2 * d;
    const outW = w + left + right - 2 * d;
    const x = randomArray(n * h * w * cin, 41);
    const out = new Float32Array(n * outH * outW * cout);
    const dfilter = new Float32Array(9 * cin * cout);
    const dbias = new Float32Array(cout);
    conv.setThreads!(threads, 0);
    expect(conv.threads!()).toBe(threads);
    conv.conv2d(x, randomArray(9 * cin * cout, 42), randomArray(cout, 43), out, dims, true);
    conv.filterGradient(x, randomArray(out.length, 44), dfilter, dbias, dims);
    return { out, dfilter, dbias };
  };
  const relative = (a: Float32Array, b: Float32Array) => maxAbsDiff(a, b) / Math.max(1e-6, maxAbs(b));

  for (const shape of shapes) {
    it(`x [${shape.slice(0, 4)}] → ${shape[4]} ch, d ${shape[5]}, pads [${shape[6]}]: forward bit-identical, filter gradient ≤ 1e-5 relative and the same for 2, 3 and 4 threads`, () => {
      const conv = platform.nativeConv!;
      const before = conv.threads!();
      try {
        const one = run(conv, shape, 1);
        const [two, three, four] = [2, 3, 4].map((threads) => run(conv, shape, threads));
        for (const many of [two!, three!, four!]) {
          expect(maxAbsDiff(many.out, one.out)).toBe(0);
          expect(relative(many.dfilter, one.dfilter)).toBeLessThanOrEqual(1e-5);
          expect(relative(many.dbias, one.dbias)).toBeLessThanOrEqual(1e-5);
          // The filter gradient's parts depend on the shape only: any thread count ≥ 2 sums the same way.
          expect(maxAbsDiff(many.dfilter, two!.dfilter)).toBe(0);
          expect(maxAbsDiff(many.dbias, two!.dbias)).toBe(0);
        }
      } finally {
        conv.setThreads!(before);
      }
    });
  }

  it('threads: 1 … 16 from initBackend({ convolutionThreads }), DEEPIGEOS_PNET_THREADS or the cores up to 4; bad counts are refused by the addon', async () => {
    const conv = platform.nativeConv!;
    await initBackend('wasm', { convolutionThreads: 3 });
    expect(conv.threads!()).toBe(3);
    await initBackend('wasm', { convolutionThreads: 1 });
    expect(conv.threads!()).toBe(1);
    await initBackend('wasm', { convolutionThreads: 99 });
    expect(conv.threads!()).toBe(16);
    await initBackend('wasm');
    expect(conv.threads!()).toBe(defaultConvolutionThreads());
    expect(defaultConvolutionThreads('1')).toBe(1);
    expect(defaultConvolutionThreads('5')).toBe(5);
    for (const unset of [undefined, '', '0', '-2', '1.5', 'many']) expect(defaultConvolutionThreads(unset)).toBe(Math.min(4, availableParallelism()));
    const require = createRequire(import.meta.url);
    const addon = require(join(packageDir, 'prebuilds', `${process.platform}-${process.arch}`, 'pnet_conv.node')) as { setThreads: (...args: unknown[]) => void };
    for (const bad of [[0], [17], [1.5], [Number.NaN], ['2'], [], [2, -1], [2, 'x'], [1, 2, 3]]) expect(() => addon.setThreads(...bad)).toThrow(/setThreads/);
  });
});

function heapConsistency(): void {
  const x = tf.tensor4d(randomArray(2 * 9 * 10 * 3, 21), [2, 9, 10, 3]);
  const f = tf.tensor4d(randomArray(3 * 3 * 3 * 4, 22), [3, 3, 3, 4]);
  const xBefore = x.dataSync().slice();
  const before = tf.memory().numTensors;
  const y = nativeConv2d(x, f, [[1, 1], [1, 1]], [1, 1], undefined, false)!;
  expect(tf.memory().numTensors).toBe(before + 1);
  expect(maxAbsDiff(x.dataSync(), xBefore)).toBe(0);
  // A large allocation afterwards (heap growth detaches old views) keeps y's values.
  const values = y.dataSync().slice();
  const big = tf.zeros([64 << 20]);
  expect(maxAbsDiff(y.dataSync(), values)).toBe(0);
  tf.dispose([x, f, y, big]);
}

// [N, H, W, Cin, KH, KW, Cout, padTop, padBottom, padLeft, padRight, dh, dw]: 1×4×5×2 → 1×4×5×3, 3×3 'same'.
const dims = [1, 4, 5, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1];
/** Valid conv2d arguments without the ISA: x, filter, bias, out, dims, relu. */
const validArgs = (): unknown[] => [new Float32Array(40), new Float32Array(54), new Float32Array(3), new Float32Array(60), [...dims], true];
const withArg = (i: number, v: unknown) => {
  const args = validArgs();
  args[i] = v;
  return args;
};
const withDim = (i: number, v: number) => withArg(4, dims.map((d, j) => (j === i ? v : d)));
/** Bad arguments and the error both builds give (beyond the arity and ISA checks of the addon). */
const badArgs: [string, unknown[], RegExp][] = [
  ['x as Float64Array', withArg(0, new Float64Array(40)), /x: expected a Float32Array/],
  ['filter as an array', withArg(1, [0]), /filter: expected a Float32Array/],
  ['bias as a number', withArg(2, 3), /bias: expected a Float32Array or null/],
  ['out missing', withArg(3, undefined), /out: expected a Float32Array/],
  ['dims too short', withArg(4, dims.slice(0, 12)), /dims: expected an array of 13 or 15 integers/],
  ['a fractional dim', withDim(1, 4.5), /integers/],
  ['a NaN dim', withDim(2, Number.NaN), /integers/],
  ['a dim beyond 2^31', withDim(0, 2 ** 40), /integers/],
  ['zero channels', withDim(3, 0), /at least 1/],
  ['zero dilation', withDim(11, 0), /at least 1/],
  ['a negative pad', withDim(8, -1), /non-negative/],
  ['kernel larger than the padded input', withDim(12, 9), /larger than the padded input/],
  ['sizes whose product overflows', withArg(4, [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, 1, 1, 1, 0, 0, 0, 0, 1, 1]), /overflow/],
  ['x too short', withArg(0, new Float32Array(39)), /x: length/],
  ['filter too long', withArg(1, new Float32Array(55)), /filter: length/],
  ['bias of the wrong length', withArg(2, new Float32Array(2)), /bias: length/],
  ['out too short', withArg(3, new Float32Array(59)), /out: length/],
  ['relu not boolean', withArg(5, 1), /relu: expected a boolean/],
  ['14 dims', withArg(4, [...dims, 1]), /dims: expected an array of 13 or 15 integers/],
  ['zero depth taps', withArg(4, [...dims, 0, 1]), /at least 1/],
  ['a fractional depth dilation', withArg(4, [...dims, 1, 1.5]), /integers/],
  // One input slice cannot feed 2 depth taps ('valid' in depth).
  ['depth taps beyond the input slices', withArg(4, [...dims, 2, 1]), /depth taps reach beyond the input slices/],
  ['x with fewer slices than its dims', withArg(4, [2, 4, 5, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 2, 1]), /x: length/],
];

describe.runIf(native)('addon argument validation: JS errors, never a crash', () => {
  const require = createRequire(import.meta.url);
  const addon = require(join(packageDir, 'prebuilds', `${process.platform}-${process.arch}`, 'pnet_conv.node')) as {
    conv2d: (...args: unknown[]) => void;
    filterGradient: (...args: unknown[]) => void;
    isas: string[];
  };
  const isa = addon.isas[0]!;
  const valid = (): unknown[] => [...validArgs(), isa];

  it('accepts the valid call', () => {
    expect(() => addon.conv2d(...valid())).not.toThrow();
  });

  const bad: [string, unknown[], RegExp][] = [
    ['too few arguments', valid().slice(0, 6), /expected 7 arguments/],
    ...badArgs.map(([what, args, message]): [string, unknown[], RegExp] => [what, [...args, isa], message]),
    ['an unknown ISA', [...validArgs(), 'sse2'], /not supported on this CPU/],
  ];
  for (const [what, args, message] of bad) {
    it(`${what} → error`, () => {
      expect(() => addon.conv2d(...args)).toThrow(message);
    });
  }

  it('filterGradient validates like conv2d: lengths, overlap of dfilter/dbias with the inputs, ISA', () => {
    // x 1×4×5×2, dy 1×4×5×3, dfilter 3×3×2×3, dbias 3.
    const args = (): unknown[] => [new Float32Array(40), new Float32Array(60), new Float32Array(54), new Float32Array(3), [...dims], isa];
    expect(() => addon.filterGradient(...args())).not.toThrow();
    const set = (i: number, v: unknown) => {
      const a = args();
      a[i] = v;
      return a;
    };
    expect(() => addon.filterGradient(...args().slice(0, 5))).toThrow(/expected 6 arguments/);
    expect(() => addon.filterGradient(...set(1, new Float32Array(59)))).toThrow(/dy: length/);
    expect(() => addon.filterGradient(...set(2, new Float32Array(53)))).toThrow(/dfilter: length/);
    expect(() => addon.filterGradient(...set(3, new Float32Array(4)))).toThrow(/dbias: length/);
    expect(() => addon.filterGradient(...set(4, [1, 4, 5, 2, 3, 3, 3, 1, 1, 1, 1, 1]))).toThrow(/dims/);
    expect(() => addon.filterGradient(...set(4, [2, 4, 5, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 2, 1]))).toThrow(/one depth tap/);
    expect(() => addon.filterGradient(...set(5, 'avx'))).toThrow(/not supported/);
    const heap = new Float32Array(200);
    expect(() => addon.filterGradient(heap.subarray(0, 40), new Float32Array(60), heap.subarray(39, 93), null, dims, isa)).toThrow(/overlap/);
    expect(() => addon.filterGradient(new Float32Array(40), heap.subarray(0, 60), new Float32Array(54), heap.subarray(59, 62), dims, isa)).toThrow(/overlap/);
    expect(() => addon.filterGradient(new Float32Array(40), new Float32Array(60), heap.subarray(0, 54), heap.subarray(53, 56), dims, isa)).toThrow(/overlap/);
  });

  it('out overlapping x or the bias → error; a detached buffer → error', () => {
    const heap = new Float32Array(200);
    const args = valid();
    expect(() => addon.conv2d(heap.subarray(0, 40), args[1], args[2], heap.subarray(30, 90), dims, false, isa)).toThrow(/overlap/);
    expect(() => addon.conv2d(args[0], args[1], heap.subarray(0, 3), heap.subarray(2, 62), dims, false, isa)).toThrow(/overlap/);
    const x = new Float32Array(40);
    structuredClone(x.buffer, { transfer: [x.buffer] }); // detaches x's buffer
    expect(() => addon.conv2d(x, args[1], args[2], args[3], dims, false, isa)).toThrow(/x: length/);
  });
});

describe('WebAssembly kernels argument validation: the errors of the addon, never a trap', () => {
  let conv: NativeConv;
  let region: tf.Tensor;
  beforeAll(async () => {
    await initBackend('wasm');
    conv = wasmConvFor(tf.backend())!;
    [region] = heapOutputs([[4096]]);
  });
  afterAll(() => {
    region.dispose();
  });
  /** The arguments with every Float32Array replaced by a heap view of its length (disjoint, 512 floats apart). */
  const onHeap = (args: unknown[]): unknown[] => {
    const heap = wasmHeapView()!(region);
    return args.map((a, i) => (a instanceof Float32Array ? heap.subarray(512 * i, 512 * i + a.length) : a));
  };
  const call = (args: unknown[]) => (conv.conv2d as (...a: unknown[]) => void)(...args);

  it('accepts the valid call; rejects arrays that are not on the heap', () => {
    expect(conv.isa).toBe('wasm-simd');
    expect(() => call(onHeap(validArgs()))).not.toThrow();
    expect(() => call(validArgs())).toThrow(TypeError);
  });
  for (const [what, args, message] of badArgs) {
    it(`${what} → ${message.source.includes('expected') ? 'TypeError' : 'error'}`, () => {
      expect(() => call(onHeap(args))).toThrow(message);
    });
  }

  it('copyRows copies strided runs of the heap and refuses views that do not hold them', () => {
    const copyRows = wasmConvFor(tf.backend())!.copyRows!;
    const heap = wasmHeapView()!(region);
    const src = heap.subarray(0, 12);
    src.set(Array.from({ length: 12 }, (_, i) => i + 1));
    const dst = heap.subarray(100, 112);
    dst.fill(0);
    copyRows(dst, 4, src, 3, 3, 2);
    expect([...dst]).toEqual([1, 2, 0, 0, 4, 5, 0, 0, 7, 8, 0, 0]);
    expect(() => copyRows(dst.subarray(0, 9), 4, src, 3, 3, 2)).toThrow(/dst holds 9 floats, the runs need 10/);
    expect(() => copyRows(dst, 4, src.subarray(0, 7), 3, 3, 2)).toThrow(RangeError);
    expect(() => copyRows(new Float32Array(12), 4, src, 3, 3, 2)).toThrow(TypeError);
    expect(() => copyRows(dst, -1, src, 3, 3, 2)).toThrow(/integers/);
    expect(() => copyRows(dst, 4, src, 3, 1.5, 2)).toThrow(/integers/);
  });

  it('output or gradients overlapping an input → RangeError; sizes beyond the heap → RangeError', () => {
    const heap = wasmHeapView()!(region);
    const [, filter, bias] = onHeap(validArgs()) as Float32Array[];
    expect(() => call([heap.subarray(0, 40), filter, bias, heap.subarray(30, 90), dims, false])).toThrow(RangeError);
    expect(() => call([heap.subarray(0, 40), filter, bias, heap.subarray(30, 90), dims, false])).toThrow(/out must not overlap x/);
    expect(() => conv.filterGradient(heap.subarray(0, 40), heap.subarray(100, 160), heap.subarray(39, 93), null, dims)).toThrow(/dfilter must not overlap x/);
    expect(() => conv.filterGradient(heap.subarray(0, 80), heap.subarray(100, 160), heap.subarray(200, 308), null, [2, ...dims.slice(1), 2, 1])).toThrow(/one depth tap/);
    expect(() => conv.filterGradient(heap.subarray(0, 40), heap.subarray(100, 160), heap.subarray(200, 254), heap.subarray(159, 162), dims)).toThrow(
      /dbias must not overlap dy/,
    );
    // Sizes far beyond the heap: refused by the length checks before anything is read.
    const huge = [1, 1, 1, 2 ** 30, 1, 1, 1, 0, 0, 0, 0, 1, 1];
    expect(() => conv.filterGradient(heap.subarray(0, 1), heap.subarray(1, 2), heap.subarray(2, 3), null, huge)).toThrow(/length does not match/);
  });
});

describe.runIf(native)('loader switches (built package, fresh processes)', () => {
  /** What a fresh Node process in the package prints for an ES module `script` under `env`. */
  const printed = (script: string, env: Record<string, string>) =>
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8', env: { ...process.env, ...env } }).trim();
  const implementation = (env: Record<string, string>) =>
    printed(`const p = await import('@deepigeos/pnet'); await p.initBackend('wasm'); console.log(p.convolutionImplementation());`, env);

  it('DEEPIGEOS_PNET_NATIVE=0 → wasm-simd(-threads by DEEPIGEOS_PNET_THREADS), =tfjs → tfjs, =avx2 → native-avx2, unset → the best ISA', () => {
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
    expect(implementation({ DEEPIGEOS_PNET_NATIVE: '0', DEEPIGEOS_PNET_THREADS: '1' })).toBe('wasm-simd');
    expect(implementation({ DEEPIGEOS_PNET_NATIVE: '0', DEEPIGEOS_PNET_THREADS: '2' })).toBe('wasm-simd-threads');
    expect(implementation({ DEEPIGEOS_PNET_NATIVE: 'tfjs' })).toBe('tfjs');
    expect(implementation({ DEEPIGEOS_PNET_NATIVE: 'avx2' })).toBe('native-avx2');
    expect(implementation({ DEEPIGEOS_PNET_NATIVE: '' })).toBe(`native-${loadNativeConv()!.isa}`);
  });

  it('DEEPIGEOS_PNET_WINOGRAD=0 turns Winograd off at load; unset or another value leaves it on', () => {
    const enabled = (setting: string) =>
      printed("const { winogradEnabled } = await import('./dist/ops/native-conv.js'); await import('./dist/index.js'); console.log(winogradEnabled());", { DEEPIGEOS_PNET_WINOGRAD: setting });
    expect(enabled('0')).toBe('false');
    expect(enabled('')).toBe('true');
    expect(enabled('1')).toBe('true');
  });

  it('DEEPIGEOS_PNET_THREADS sets the addon threads at load: 1 → the calling thread only, 3 → 3, unset → the cores up to 4', () => {
    const threads = (setting: string) =>
      printed("const { platform } = await import('./dist/platform.js'); await import('./dist/native-conv-addon.js'); console.log(platform.nativeConv.threads());", { DEEPIGEOS_PNET_THREADS: setting });
    expect(threads('1')).toBe('1');
    expect(threads('3')).toBe('3');
    expect(threads('')).toBe(String(Math.min(4, availableParallelism())));
  });

  // Each worker's addon has its own thread pool (this conv is large enough to use it), joined when the worker ends.
  it('worker threads each load the addon (context-aware) and compute what the main thread computes', async () => {
    const xShape = [2, 33, 29, 17];
    const fShape = [3, 3, 17, 19];
    const data = {
      x: randomArray(xShape.reduce((a, b) => a * b), 31),
      xShape,
      f: randomArray(fShape.reduce((a, b) => a * b), 32),
      fShape,
      b: randomArray(19, 33),
      dilation: [2, 3],
    };
    const inWorker = () =>
      new Promise<{ kind: string; values: Float32Array }>((resolve, reject) => {
        const worker = new Worker(new URL('./fixtures/conv-worker.mjs', import.meta.url), { workerData: data });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const [a, b] = await Promise.all([inWorker(), inWorker()]);
    await initBackend('wasm');
    const mine = conv2dFast(tf.tensor4d(data.x, xShape as [number, number, number, number]), tf.tensor4d(data.f, fShape as [number, number, number, number]), [2, 3], {
      bias: tf.tensor1d(data.b),
      relu: true,
    });
    expect([a.kind, b.kind]).toEqual([convolutionImplementation(), convolutionImplementation()]);
    expect(a.kind).toMatch(/^native-/);
    expect(maxAbsDiff(a.values, mine.dataSync())).toBe(0);
    expect(maxAbsDiff(b.values, mine.dataSync())).toBe(0);
    // predictVolume's worker threads load the addon too.
    expect(readFileSync(join(packageDir, 'dist', 'inference', 'predict-worker.js'), 'utf8')).toContain("import '../native-conv-addon.js'");
  });
});
