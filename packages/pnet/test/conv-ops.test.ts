import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { conv2dFast, weightGradients } from '../src/ops/conv2d-fast.js';
import { ShiftedColumns } from '../src/ops/shifted-columns.js';
import { channelConcat } from '../src/ops/channel-concat.js';
import { conv3dFast } from '../src/ops/conv3d-fast.js';
import { sliceRows } from '../src/ops/slice-rows.js';
import { convolutionPaths, restoreNativeAfterAll, useConvolutionPath } from './convolution-paths.js';
import { bruteConv3d, maxAbs, maxAbsDiff, randomArray } from './reference.js';

interface Case {
  name: string;
  x: number[]; // [N, D, H, W, Cin]
  k: number[]; // [kd, kh, kw]
  dil: number[];
  cout: number;
}

const cases: Case[] = [
  { name: '2D 3×3 d=1', x: [2, 1, 7, 6, 3], k: [1, 3, 3], dil: [1, 1, 1], cout: 4 },
  { name: '2D 3×3 d=2', x: [1, 1, 9, 8, 2], k: [1, 3, 3], dil: [1, 2, 2], cout: 3 },
  { name: '2D 3×3 d=(3,1) anisotropic', x: [1, 1, 8, 7, 2], k: [1, 3, 3], dil: [1, 3, 1], cout: 2 },
  { name: '2D 1×1', x: [2, 1, 4, 5, 3], k: [1, 1, 1], dil: [1, 1, 1], cout: 2 },
  { name: '2D 3×3 d=8, taps past the border', x: [1, 1, 6, 5, 2], k: [1, 3, 3], dil: [1, 8, 8], cout: 2 },
  { name: '2D 2×4 even kernel', x: [1, 1, 6, 7, 2], k: [1, 2, 4], dil: [1, 1, 2], cout: 2 },
  { name: '3D 3×3×3 d=1', x: [1, 5, 6, 5, 2], k: [3, 3, 3], dil: [1, 1, 1], cout: 3 },
  { name: '3D 3×3×3 d=2', x: [2, 6, 5, 6, 2], k: [3, 3, 3], dil: [2, 2, 2], cout: 2 },
  { name: '3D 1×3×3 d=(1,2,2)', x: [1, 4, 7, 6, 3], k: [1, 3, 3], dil: [1, 2, 2], cout: 2 },
  { name: '3D 3×1×1 d=3', x: [1, 8, 3, 3, 2], k: [3, 1, 1], dil: [3, 1, 1], cout: 2 },
];

/** Runs the op under test for a case: 2D cases through conv2dFast, 3D through conv3dFast. */
function runOp(c: Case, x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (c.name.startsWith('2D')) {
    const [n, , h, wd, cin] = c.x as [number, number, number, number, number];
    return conv2dFast(
      tf.reshape(x, [n, h, wd, cin]),
      tf.reshape(w, [c.k[1]!, c.k[2]!, cin, c.cout]),
      [c.dil[1]!, c.dil[2]!],
    );
  }
  return conv3dFast(x as tf.Tensor5D, w as tf.Tensor5D, c.dil as [number, number, number]);
}

for (const path of convolutionPaths) {
  describe(`fast convolutions on ${path}`, () => {
    restoreNativeAfterAll();
    for (const c of cases) {
      it(`${c.name}: forward equals brute force and tf.conv`, async () => {
        await useConvolutionPath(path);
        const wShape = [...c.k, c.x[4]!, c.cout];
        const xData = randomArray(c.x.reduce((a, b) => a * b), 1);
        const wData = randomArray(wShape.reduce((a, b) => a * b), 2);
        const x = tf.tensor(xData, c.x);
        const w = tf.tensor(wData, wShape);
        const y = runOp(c, x, w);
        const ref = bruteConv3d(xData, c.x, wData, wShape, c.dil);
        expect(maxAbsDiff(y.dataSync(), ref)).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref)));
        if (c.k.every((k) => k % 2 === 1) && path === 'cpu') {
          // tfjs' own conv3d (forward supports dilation) as a second reference.
          const builtin = tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, 'same', 'NDHWC', c.dil as [number, number, number]);
          expect(maxAbsDiff(y.dataSync(), builtin.dataSync())).toBeLessThan(1e-5);
        }
        tf.dispose([x, w, y]);
      });

      it(`${c.name}: gradients equal finite differences of the float64 reference`, async () => {
        await useConvolutionPath(path);
        const wShape = [...c.k, c.x[4]!, c.cout];
        const xData = randomArray(c.x.reduce((a, b) => a * b), 3);
        const wData = randomArray(wShape.reduce((a, b) => a * b), 4);
        const yLen = (c.x.reduce((a, b) => a * b) / c.x[4]!) * c.cout;
        const r = randomArray(yLen, 5);
        // Loss L = Σ y·r is linear in x and in w, so central differences are exact up to rounding.
        const loss = (xs: ArrayLike<number>, ws: ArrayLike<number>) => {
          const y = bruteConv3d(xs, c.x, ws, wShape, c.dil);
          let s = 0;
          for (let i = 0; i < y.length; i++) s += y[i]! * r[i]!;
          return s;
        };
        const fd = (data: Float32Array, isX: boolean) => {
          const g = new Float64Array(data.length);
          const h = 1e-3;
          const p = Float64Array.from(data);
          for (let i = 0; i < data.length; i++) {
            const v = p[i]!;
            p[i] = v + h;
            const up = isX ? loss(p, wData) : loss(xData, p);
            p[i] = v - h;
            const down = isX ? loss(p, wData) : loss(xData, p);
            p[i] = v;
            g[i] = (up - down) / (2 * h);
          }
          return g;
        };
        const x = tf.tensor(xData, c.x);
        const w = tf.tensor(wData, wShape);
        const rT = tf.tensor(r, [...c.x.slice(0, 4), c.cout]);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.reshape(runOp(c, a, b), rT.shape), rT)));
        const [dx, dw] = grads([x, w]);
        const refDx = fd(xData, true);
        const refDw = fd(wData, false);
        expect(maxAbsDiff(dx!.dataSync(), refDx)).toBeLessThan(1e-4 * Math.max(1, maxAbs(refDx)));
        expect(maxAbsDiff(dw!.dataSync(), refDw)).toBeLessThan(1e-4 * Math.max(1, maxAbs(refDw)));
        tf.dispose([x, w, rT, dx!, dw!]);
      });
    }
  });
}

/** The same op with a fused bias and ReLU. */
function runFused(c: Case, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const epilogue = { bias: b as tf.Tensor1D, relu: true };
  if (c.name.startsWith('2D')) {
    const [n, , h, wd, cin] = c.x as [number, number, number, number, number];
    return conv2dFast(tf.reshape(x, [n, h, wd, cin]), tf.reshape(w, [c.k[1]!, c.k[2]!, cin, c.cout]), [c.dil[1]!, c.dil[2]!], epilogue);
  }
  return conv3dFast(x as tf.Tensor5D, w as tf.Tensor5D, c.dil as [number, number, number], epilogue);
}

for (const path of convolutionPaths) {
  describe(`fused bias + ReLU on ${path}`, () => {
    restoreNativeAfterAll();
    for (const c of cases) {
      it(`${c.name}: equals relu(conv + bias) in value and gradients (x, kernel, bias)`, async () => {
        await useConvolutionPath(path);
        const wShape = [...c.k, c.x[4]!, c.cout];
        const x = tf.tensor(randomArray(c.x.reduce((a, b) => a * b), 6), c.x);
        const w = tf.tensor(randomArray(wShape.reduce((a, b) => a * b), 7), wShape);
        const b = tf.tensor1d(randomArray(c.cout, 8));
        const yShape = [...c.x.slice(0, 4), c.cout];
        const r = tf.tensor(randomArray(yShape.reduce((a, v) => a * v), 9), yShape);
        const fused = (a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(tf.reshape(runFused(c, a, f, bias), yShape), r));
        // Reference: the unfused conv (checked against finite differences above), then tfjs' own add and relu.
        const plain = (a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(tf.reshape(runOp(c, a, f), yShape), bias)), r));
        expect(Math.abs(fused(x, w, b).dataSync()[0]! - plain(x, w, b).dataSync()[0]!)).toBeLessThan(1e-4);
        const gf = tf.grads(fused)([x, w, b]);
        const gp = tf.grads(plain)([x, w, b]);
        for (const [i, g] of gf.entries()) expect(maxAbsDiff(g.dataSync(), gp[i]!.dataSync()), `grad ${i}`).toBeLessThan(1e-4);
        expect(maxAbs(gf[2]!.dataSync())).toBeGreaterThan(0);
      });
    }
  });
}

describe('conv3dFast inference in depth chunks', () => {
  for (const c of cases.filter((k) => k.name.startsWith('3D') && k.k[0]! > 1)) {
    it(`${c.name}: chunked (no gradient tape) equals the brute-force reference, with bias and ReLU`, async () => {
      await initBackend('wasm');
      const wShape = [...c.k, c.x[4]!, c.cout];
      const xData = randomArray(c.x.reduce((a, b) => a * b), 14);
      const wData = randomArray(wShape.reduce((a, b) => a * b), 15);
      const bias = randomArray(c.cout, 16);
      const ref = bruteConv3d(xData, c.x, wData, wShape, c.dil).map((v, i) => Math.max(0, v + bias[i % c.cout]!));
      const [, , h, w, cin] = c.x as number[];
      for (const rows of [1, 2, 3]) {
        const x = tf.tensor5d(xData, c.x as [number, number, number, number, number]);
        const k = tf.tensor5d(wData, wShape as [number, number, number, number, number]);
        const epilogue = { bias: tf.tensor1d(bias), relu: true };
        const y = conv3dFast(x, k, c.dil as [number, number, number], epilogue, rows * c.x[0]! * h! * w! * Math.max(cin!, c.cout));
        expect(maxAbsDiff(y.dataSync(), ref), `chunk of ${rows} rows`).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref)));
      }
    });
  }
});

for (const path of convolutionPaths) {
  // wasm-tfjs: weightGradients' chunked matrix products (the addon replaces them on 'wasm').
  describe(`layout helpers on ${path}`, () => {
    restoreNativeAfterAll();
    for (const channels of [[3, 1, 4], [16, 20, 17], [4, 8, 12]]) {
    it(`channelConcat of ${channels} channels equals per-voxel concatenation, and its gradient hands each input its channels`, async () => {
      await useConvolutionPath(path);
      const shapes = channels.map((c) => [2, 3, 4, 5, c]);
      const total = channels.reduce((a, b) => a + b, 0);
      const parts = shapes.map((s, i) => tf.tensor(randomArray(s.reduce((a, b) => a * b), 60 + i), s));
      const out = channelConcat(parts);
      const [pa, pb, pc] = parts.map((p) => p.arraySync() as number[][][][][]);
      const o = out.arraySync() as number[][][][][];
      expect(out.shape).toEqual([2, 3, 4, 5, total]);
      expect(o[1]![2]![3]![4]).toEqual([...pa![1]![2]![3]![4]!, ...pb![1]![2]![3]![4]!, ...pc![1]![2]![3]![4]!]);
      expect(maxAbsDiff(out.dataSync(), tf.concat(parts, 4).dataSync())).toBe(0); // every voxel: tfjs' concat
      // d/dp_i of sum(w · concat) is w's channels of p_i.
      const w = tf.tensor(randomArray(2 * 3 * 4 * 5 * total, 64), [2, 3, 4, 5, total]);
      const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(w, channelConcat(xs))))(parts);
      let offset = 0;
      grads.forEach((g, i) => {
        const c = shapes[i]![4]!;
        expect(maxAbsDiff(g.dataSync(), tf.slice(w, [0, 0, 0, 0, offset], [-1, -1, -1, -1, c]).dataSync())).toBe(0);
        offset += c;
      });
    });
    }

    if (path !== 'cpu') {
    it('channelConcat of parts made on cpu before the switch to wasm (moved when first read) equals tfjs concat', async () => {
      await initBackend('cpu');
      const parts = [4, 4, 16, 3].map((c, i) => tf.tensor(randomArray(2 * 5 * 6 * c, 80 + i), [2, 5, 6, c]));
      await useConvolutionPath(path);
      const out = channelConcat(parts);
      expect(out.shape).toEqual([2, 5, 6, 27]);
      expect(maxAbsDiff(out.dataSync(), tf.concat(parts, 3).dataSync())).toBe(0);
      tf.dispose([out, ...parts]);
    });

    it('ShiftedColumns (wasm only) equals the shifted input by index, zero outside, for any run of rows', async () => {
      await useConvolutionPath(path);
      const [n, h, w, c] = [2, 5, 6, 3];
      const x = tf.tensor4d(randomArray(n * h * w * c, 66), [n, h, w, c]);
      const offsets: [number, number][] = [[0, 0], [-2, 1], [1, -3], [0, 4], [6, 0], [-1, -7], [2, 0]];
      const xs = x.arraySync();
      const columns = new ShiftedColumns(x, offsets);
      for (const [from, count] of [[0, n * h], [3, 4], [9, 1]] as const) {
        const want = offsets.flatMap(([oy, ox]) =>
          Array.from({ length: c }, (_, ch) =>
            Array.from({ length: count * w }, (_, q) => {
              const g = from + Math.floor(q / w); // image row among the N·H
              const [b, i, j] = [Math.floor(g / h), g % h, q % w];
              return xs[b]![i + oy]?.[j + ox]?.[ch] ?? 0;
            }),
          ),
        );
        expect(columns.rows(from, count).arraySync()).toEqual(want);
      }
      columns.dispose();
    });
    }

    it('weightGradients in chunks of rows (small chunk budget) equal one product, bias = sum of dy', async () => {
      await useConvolutionPath(path);
      const x = tf.tensor4d(randomArray(2 * 7 * 6 * 3, 67), [2, 7, 6, 3]);
      const dy = tf.tensor4d(randomArray(2 * 7 * 6 * 5, 68), [2, 7, 6, 5]);
      for (const kernel of [[3, 3], [1, 1]] as [number, number][]) {
        const whole = weightGradients(x, dy, [2, 1], kernel, false);
        const chunked = weightGradients(x, dy, [2, 1], kernel, true, kernel[0] * kernel[1] * 3 * 6 * 3); // 3 image rows per product: 5 chunks, crossing items
        expect(chunked.filter.shape).toEqual([...kernel, 3, 5]);
        expect(maxAbsDiff(chunked.filter.dataSync(), whole.filter.dataSync())).toBeLessThan(1e-5);
        expect(maxAbsDiff(chunked.bias!.dataSync(), tf.sum(dy, [0, 1, 2]).dataSync())).toBeLessThan(1e-5);
      }
      // 1×1: xᵀ·dy (the 3×3 products are checked against finite differences above).
      const product = tf.matMul(tf.reshape(x, [-1, 3]), tf.reshape(dy, [-1, 5]), true, false);
      expect(maxAbsDiff(weightGradients(x, dy, [1, 1], [1, 1], false).filter.dataSync(), product.dataSync())).toBeLessThan(1e-5);
    });

    it('sliceRows takes rows along axis 0', async () => {
      await useConvolutionPath(path);
      const x = tf.tensor(randomArray(7 * 3 * 2, 65), [7, 3, 2]);
      expect(sliceRows(x, 2, 4).arraySync()).toEqual(tf.slice(x, 2, 4).arraySync());
      expect(sliceRows(x, 6, 1).shape).toEqual([1, 3, 2]);
    });
  });
}
