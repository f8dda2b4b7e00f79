import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from '../src/errors.js';
import { createLattice } from '../src/lattice.js';
import { bruteForceGaussian, dot, relativeL2, rng } from './helpers.js';
import { forEachKernelBackend } from './setup.js';

/** Grid positions / theta plus `extra` intensity channels / thetaI (two noisy regions, like an image). */
function gridFeatures(shape: number[], theta: number, extra: number, thetaI: number, seed: number) {
  const random = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = shape.length + extra;
  const f = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let region = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      if (a === shape.length - 1) region = rest % shape[a]! > shape[a]! / 2 ? 1 : 0;
      f[i * d + a] = (rest % shape[a]!) / theta;
      rest = Math.floor(rest / shape[a]!);
    }
    for (let e = 0; e < extra; e++) f[i * d + shape.length + e] = (10 + 20 * region + random() * 6) / thetaI;
  }
  return { f, n, d };
}

function randomValues(n: number, c: number, seed: number): Float32Array {
  const random = rng(seed);
  return Float32Array.from({ length: n * c }, () => random());
}

describe('createLattice: against brute-force Gaussian filtering', () => {
  // The raw (unnormalised) sum is held to 2 % relative L2 on point sets that sample every feature
  // dimension with θ >= 2 (plain grids). The grid + intensity sets below do not: their intensity
  // feature is a band 0.75 σ (2D) / 0.6 σ (3D) thick per region, i.e. the points lie near a
  // lower-dimensional manifold, where the lattice kernel's non-Gaussian shape (a [1 2 1] blur of
  // tents: unit mass and variance, but compact support) shows: the raw sum is held to 8 % there
  // at 1 blur pass (measured 5.8 % / 7.2 %) and to 2 % at 6 passes (next block). The CRF uses the
  // filter normalised by filter(ones), held to 2 % everywhere.
  const cases = [
    { name: '2D 24x24 spatial, theta 2', shape: [24, 24], theta: 2, extra: 0, thetaI: 1 },
    { name: '2D 24x24 spatial, theta 4', shape: [24, 24], theta: 4, extra: 0, thetaI: 1 },
    { name: '2D 20x20 + intensity, theta 3 / 8', shape: [20, 20], theta: 3, extra: 1, thetaI: 8 },
    { name: '3D 10x10x10 spatial, theta 2', shape: [10, 10, 10], theta: 2, extra: 0, thetaI: 1 },
    { name: '3D 8x10x10 + intensity, theta 2.5 / 10', shape: [8, 10, 10], theta: 2.5, extra: 1, thetaI: 10 },
  ];
  forEachKernelBackend(() => {
  for (const c of cases) {
    const rawBound = c.extra === 0 ? 0.02 : 0.08;
    it(`${c.name}: raw <= ${rawBound * 100} %, normalised <= 2 % relative L2`, () => {
      const { f, n, d } = gridFeatures(c.shape, c.theta, c.extra, c.thetaI, 7);
      const values = randomValues(n, 2, 11);
      const ones = new Float32Array(n).fill(1);
      const lattice = createLattice(f, n, d);
      const got = lattice.filter(values, 2);
      const want = bruteForceGaussian(f, n, d, values, 2);
      expect(relativeL2(got, want)).toBeLessThan(rawBound);
      const gotNorm = lattice.filter(ones, 1);
      const wantNorm = bruteForceGaussian(f, n, d, ones, 1);
      const normalised = (v: ArrayLike<number>, k: ArrayLike<number>) => Array.from(v, (x, i) => x / k[Math.floor(i / 2)]!);
      expect(relativeL2(normalised(got, gotNorm), normalised(want, wantNorm))).toBeLessThan(0.02);
    });
  }
  });
});

/** Every feature dimension sampled on a grid with spacing 1/θ (θ samples per σ). */
function fullGrid(shape: number[], theta: number) {
  const d = shape.length;
  const n = shape.reduce((a, b) => a * b, 1);
  const f = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let rest = i;
    for (let a = d - 1; a >= 0; a--) {
      f[i * d + a] = (rest % shape[a]!) / theta;
      rest = Math.floor(rest / shape[a]!);
    }
  }
  return { f, n, d };
}

describe('createLattice: blurPasses (finer lattice, closer to a Gaussian)', () => {
  // Points sampled with θ = 2 in every feature dimension: d = 3 meets 2 % at 1 pass (1.8 %);
  // d = 4 on a grid 3.5 σ wide (mostly border points) needs 3 passes (3.4 %, 2.0 %, 1.6 %).
  // Near-manifold points (grid + intensity band, as above) need 6 (5.8 / 7.2 % -> 1.4 / 1.7 %).
  const cases = [
    { name: 'd = 3 grid 12x12x10, theta 2 in every dimension', make: () => fullGrid([12, 12, 10], 2), passes: 1 },
    { name: 'd = 4 grid 7^4, theta 2 in every dimension', make: () => fullGrid([7, 7, 7, 7], 2), passes: 3 },
    { name: '2D 20x20 + intensity band, theta 3 / 8', make: () => gridFeatures([20, 20], 3, 1, 8, 7), passes: 6 },
    { name: '3D 8x10x10 + intensity band, theta 2.5 / 10', make: () => gridFeatures([8, 10, 10], 2.5, 1, 10, 7), passes: 6 },
  ];
  for (const c of cases) {
    it(`${c.name}: raw <= 2 % relative L2 at ${c.passes} pass(es)`, () => {
      const { f, n, d } = c.make();
      const values = randomValues(n, 2, 11);
      const got = createLattice(f, n, d, { blurPasses: c.passes }).filter(values, 2);
      expect(relativeL2(got, bruteForceGaussian(f, n, d, values, 2))).toBeLessThan(0.02);
    });
  }

  it('keeps the kernel at unit mass and unit variance (d = 2, 3; 1–4 passes)', () => {
    // K(x, s) of a unit impulse at s, read at probes on a fine grid around it: its integral must
    // be the Gaussian's (2π)^(d/2) and its variance along an axis 1, for every pass count
    // (scaling the features by √passes instead gave 0.88 at 2 passes: the tents add variance too).
    for (const [d, passes, h] of [
      [2, 1, 0.2],
      [2, 2, 0.2],
      [2, 4, 0.2],
      [3, 1, 0.3],
      [3, 3, 0.3],
    ] as const) {
      const ticks: number[] = [];
      for (let x = -5; x <= 5 + 1e-9; x += h) ticks.push(x);
      const probes = ticks.length ** d;
      const random = rng(d * 10 + passes);
      let mass = 0;
      let variance = 0;
      const sources = 8;
      for (let s = 0; s < sources; s++) {
        const at = Array.from({ length: d }, () => random());
        const f = new Float32Array((probes + 1) * d);
        for (let i = 0; i < probes; i++) {
          let rest = i;
          for (let a = 0; a < d; a++) {
            f[i * d + a] = ticks[rest % ticks.length]! + at[a]!;
            rest = Math.floor(rest / ticks.length);
          }
        }
        f.set(at, probes * d);
        const impulse = new Float32Array(probes + 1);
        impulse[probes] = 1;
        const k = createLattice(f, probes + 1, d, { blurPasses: passes }).filter(impulse, 1);
        let sum = 0;
        let second = 0;
        for (let i = 0; i < probes; i++) {
          sum += k[i]!;
          second += k[i]! * (f[i * d]! - at[0]!) ** 2;
        }
        mass += (sum * h ** d) / (2 * Math.PI) ** (d / 2) / sources;
        variance += second / sum / sources;
      }
      expect(Math.abs(mass - 1), `mass, d ${d}, ${passes} passes`).toBeLessThan(0.01);
      // The lattice is not shift-invariant: the variance depends a little on where the impulse sits.
      expect(Math.abs(variance - 1), `variance, d ${d}, ${passes} passes`).toBeLessThan(0.05);
    }
  });
});

describe('createLattice: reverse is the exact adjoint', () => {
  forEachKernelBackend(() => {
  for (const [shape, extra] of [
    [[17, 13], 1],
    [[6, 7, 5], 1],
  ] as const) {
    it(`<a, K b> = <K^T a, b> on ${shape.join('x')} (+${extra} feature)`, () => {
      const { f, n, d } = gridFeatures([...shape], 1.5, extra, 5, 3);
      const lattice = createLattice(f, n, d);
      const a = randomValues(n, 3, 1);
      const b = randomValues(n, 3, 2);
      const lhs = dot(a, lattice.filter(b, 3));
      const rhs = dot(lattice.filter(a, 3, { reverse: true }), b);
      expect(Math.abs(lhs - rhs) / Math.abs(lhs)).toBeLessThan(1e-5);
      // With the vertex set closed under the blur the filter is the full-lattice convolution,
      // whose axis blurs commute, so K is symmetric and both orders agree point by point. (A
      // lattice that drops mass at empty vertices fails this: its two orders differed by 5.7 %.)
      expect(relativeL2(lattice.filter(a, 3, { reverse: true }), lattice.filter(a, 3))).toBeLessThan(1e-5);
    });
  }
  });
});

describe('createLattice: bad input', () => {
  it('rejects a features length that is not n*d', () => {
    expect(() => createLattice(new Float32Array(5), 3, 2)).toThrow(ShapeError);
    expect(() => createLattice(new Float32Array(5), 3, 2)).toThrow(/features has length 5, expected n\*d = 6/);
  });
  it('rejects non-finite features and bad n, d', () => {
    expect(() => createLattice(new Float32Array([0, Number.NaN]), 1, 2)).toThrow(ArgumentError);
    expect(() => createLattice(new Float32Array(4), 0, 2)).toThrow(/n must be an integer >= 1/);
    expect(() => createLattice(new Float32Array(4), 4, 1.5)).toThrow(/d must be an integer/);
  });
  it('rejects a blurPasses that is not an integer >= 1', () => {
    expect(() => createLattice(new Float32Array(4), 2, 2, { blurPasses: 0 })).toThrow(/blurPasses must be an integer >= 1/);
    expect(() => createLattice(new Float32Array(4), 2, 2, { blurPasses: 1.5 })).toThrow(ArgumentError);
  });
  it('rejects values of the wrong length', () => {
    const lattice = createLattice(new Float32Array(6), 3, 2);
    expect(() => lattice.filter(new Float32Array(5), 2)).toThrow(/length n\*channels = 6/);
  });
});
