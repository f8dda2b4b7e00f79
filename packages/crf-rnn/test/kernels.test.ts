// The WebAssembly kernels against the TypeScript loops (themselves tested against brute force
// and float64 references elsewhere), their memory handling and their loading.
import { describe, expect, it } from 'vitest';
import { kernelBackend, ready } from '../src/index.js';
import { KernelMemoryError, withKernels } from '../src/kernels.js';
import { createLattice } from '../src/lattice.js';
import { setResidentBudget } from '../src/lattice-wasm.js';
import { relativeL2, rng } from './helpers.js';
import { outputsPerBackend } from './setup.js';

/** Positions / theta on a grid plus one noisy intensity feature / thetaI. */
function features(shape: number[], theta: number, thetaI: number | null, seed: number) {
  const random = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = shape.length + (thetaI === null ? 0 : 1);
  const f = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let rest = i;
    for (let a = shape.length - 1; a >= 0; a--) {
      f[i * d + a] = (rest % shape[a]!) / theta;
      rest = Math.floor(rest / shape[a]!);
    }
    if (thetaI !== null) f[i * d + shape.length] = ((i % 7 > 3 ? 1 : 0) + random() * 0.2) / thetaI;
  }
  return { f, n, d };
}

describe('WebAssembly kernels', () => {
  it('load at import in Node', async () => {
    await expect(ready()).resolves.toBeUndefined();
    expect(kernelBackend()).toBe('wasm');
  });

  for (const [shape, theta, thetaI, blurPasses] of [
    [[31, 29], 3, 0.1, 1],
    [[40, 37], 2, null, 1],
    [[9, 11, 13], 2.5, 0.2, 1],
    [[12, 10, 9], 3, null, 1],
    [[15, 17], 2, 0.3, 3],
    [[6, 7, 8], 2, null, 2],
  ] as const) {
    it(`lattice ${shape.join('x')}${thetaI === null ? '' : ' + intensity'}, ${blurPasses} blur pass(es): same vertices and filter (1e-5) as the TypeScript lattice`, () => {
      const { f, n, d } = features([...shape], theta, thetaI, 5);
      const random = rng(6);
      const values = Float32Array.from({ length: n * 3 }, () => random());
      const [wasm, ts] = outputsPerBackend(() => {
        const lattice = createLattice(f, n, d, { blurPasses });
        return { m: lattice.vertexCount, out: lattice.filter(values, 3), adjoint: lattice.filter(values, 3, { reverse: true }), one: lattice.filter(values.subarray(0, n), 1) };
      });
      expect(wasm.m).toBe(ts.m);
      expect(relativeL2(wasm.out, ts.out)).toBeLessThan(1e-5);
      expect(relativeL2(wasm.adjoint, ts.adjoint)).toBeLessThan(1e-5);
      expect(relativeL2(wasm.one, ts.one)).toBeLessThan(1e-5);
    });
  }

  it('lattices evicted from the module memory upload again and filter the same', () => {
    const lattices = [0, 1, 2].map((s) => {
      const { f, n, d } = features([20, 18], 2 + s, 0.3, s);
      return createLattice(f, n, d);
    });
    const values = Float32Array.from({ length: 360 * 2 }, (_, i) => (i % 11) / 11);
    const first = lattices.map((l) => l.filter(values, 2));
    setResidentBudget(1); // every filter evicts the others
    try {
      for (let round = 0; round < 2; round++) {
        for (const [i, l] of lattices.entries()) expect(relativeL2(l.filter(values, 2), first[i]!)).toBe(0);
      }
    } finally {
      setResidentBudget();
    }
  });

  it('fall back to the TypeScript loops when the module memory is exhausted', () => {
    const exhausted = () => {
      throw new KernelMemoryError('out of WebAssembly memory');
    };
    expect(withKernels(exhausted, () => 'typescript')).toBe('typescript');
    expect(() =>
      withKernels(
        () => {
          throw new RangeError('other');
        },
        () => 0,
      ),
    ).toThrow(RangeError);
  });
});
