import { describe, expect, it } from 'vitest';
import { createRng } from '../src/index.js';

describe('createRng', () => {
  it('repeats a sequence for a seed and differs between seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const seqA = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(seqA);
  });

  it('continues exactly from a saved state (what checkpoints store)', () => {
    const rng = createRng(123);
    for (let i = 0; i < 17; i++) rng.next();
    const resumed = createRng(999, rng.state());
    for (let i = 0; i < 100; i++) expect(resumed.next()).toBe(rng.next());
    expect(JSON.parse(JSON.stringify({ s: rng.state() })).s).toBe(rng.state());
  });

  it('draws uniform integers: chi-square over 10 bins within the 99.9 % bound', () => {
    const rng = createRng(1);
    const counts = new Array(10).fill(0);
    const n = 100_000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const k = rng.int(10);
      if (Number.isInteger(k) && k >= 0 && k < 10) counts[k]++;
      else outOfRange++;
    }
    expect(outOfRange).toBe(0);
    const expected = n / 10;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88); // chi-square, 9 degrees of freedom, p = 0.001
  });

  it('draws standard normals (mean 0, variance 1) and uniform ranges', () => {
    const rng = createRng(2);
    const n = 50_000;
    let sum = 0;
    let sq = 0;
    let nonFinite = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      if (!Number.isFinite(x)) nonFinite++;
      sum += x;
      sq += x * x;
    }
    expect(nonFinite).toBe(0);
    const mean = sum / n;
    expect(Math.abs(mean)).toBeLessThan(0.02); // 4.5 standard errors
    expect(Math.abs(sq / n - mean * mean - 1)).toBeLessThan(0.03);
    const uniforms = Array.from({ length: 1000 }, () => rng.uniform(-3, 5));
    expect(uniforms.every((u) => u >= -3 && u < 5)).toBe(true);
  });
});
