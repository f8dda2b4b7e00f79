import { describe, expect, it } from 'vitest';
import { applyGamma, augment, flipAxis, resampleAffine } from '../src/data/augment.js';
import { generatePhantom } from '../src/data/phantom.js';
import { cropImage, nonZeroBox, resampleToSpacing, zScoreNonZero } from '../src/data/preprocess.js';
import { cropPatch, extractSlice, samplePatch } from '../src/data/sampling.js';
import type { ImageVolume } from '../src/data/volume.js';
import { createRng } from '../src/rng.js';

const img2d = (shape: number[], f: (y: number, x: number) => number, channels = 1): ImageVolume => {
  const data = new Float32Array(shape[0]! * shape[1]! * channels);
  for (let y = 0; y < shape[0]!; y++) for (let x = 0; x < shape[1]!; x++) for (let c = 0; c < channels; c++) data[(y * shape[1]! + x) * channels + c] = f(y, x) + c;
  return { data, shape, channels, spacing: [1, 1] };
};

describe('rng', () => {
  it('is reproducible and resumable from its state', () => {
    const a = createRng(42);
    const first = [a.next(), a.next()];
    const saved = a.state();
    const rest = [a.next(), a.int(100), a.normal()];
    expect([createRng(42).next(), createRng(42).next()][0]).toBe(first[0]);
    const b = createRng(0, saved);
    expect([b.next(), b.int(100), b.normal()]).toEqual(rest);
  });
  it('draws uniform values with mean ≈ 0.5 and normals with std ≈ 1', () => {
    const r = createRng(7);
    let s = 0;
    let q = 0;
    for (let i = 0; i < 20000; i++) {
      s += r.next();
      const z = r.normal();
      q += z * z;
    }
    expect(Math.abs(s / 20000 - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(q / 20000) - 1)).toBeLessThan(0.03);
  });
});

describe('phantom', () => {
  it('is deterministic, has BraTS labels and a zero background', () => {
    const a = generatePhantom({ seed: 3, shape: [16, 32, 32] });
    const b = generatePhantom({ seed: 3, shape: [16, 32, 32] });
    expect(a.modalities.flair).toEqual(b.modalities.flair);
    const labels = new Set(a.seg);
    expect([...labels].sort()).toEqual([0, 1, 2, 4]);
    expect(a.modalities.t1[0]).toBe(0);
    // Every tumour voxel is inside the brain (non-zero intensity).
    for (let i = 0; i < a.seg.length; i++) if (a.seg[i]) expect(a.modalities.flair[i]).toBeGreaterThan(0);
    // Oedema is brighter than normal brain in FLAIR on average.
    let oed = 0, nO = 0, brain = 0, nB = 0;
    for (let i = 0; i < a.seg.length; i++) {
      const v = a.modalities.flair[i]!;
      if (a.seg[i] === 2) [oed, nO] = [oed + v, nO + 1];
      else if (a.seg[i] === 0 && v > 0) [brain, nB] = [brain + v, nB + 1];
    }
    expect(oed / nO).toBeGreaterThan(1.4 * (brain / nB));
    expect(generatePhantom({ seed: 4, shape: [16, 32, 32] }).seg).not.toEqual(a.seg);
  });
  it('rich anatomy: deterministic, folded grey/white boundary, optional skull and scalp around the brain', () => {
    const shape: [number, number, number] = [16, 40, 40];
    const simple = generatePhantom({ seed: 5, shape, noise: 0 });
    const rich = generatePhantom({ seed: 5, shape, noise: 0, anatomy: 'rich' });
    expect(generatePhantom({ seed: 5, shape, noise: 0, anatomy: 'rich' }).modalities.t1).toEqual(rich.modalities.t1);
    expect([...new Set(rich.seg)].every((l) => [0, 1, 2, 4].includes(l))).toBe(true);
    // Partial-volume edges and texture: many more distinct intensities than the piecewise-constant phantom.
    const distinct = (a: Float32Array) => new Set(Array.from(a, (v) => Math.round(v))).size;
    expect(distinct(rich.modalities.t1)).toBeGreaterThan(2 * distinct(simple.modalities.t1));
    const head = generatePhantom({ seed: 5, shape, noise: 0, anatomy: 'rich', skull: true });
    const nonZero = (a: Float32Array) => a.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    expect(nonZero(head.modalities.t1)).toBeGreaterThan(1.2 * nonZero(rich.modalities.t1));
    // Scalp is the brightest T1 tissue, as fat is in real T1 scans.
    let max = 0;
    for (const v of head.modalities.t1) max = Math.max(max, v);
    expect(max).toBeGreaterThan(850);
  }, 30_000);
});

describe('preprocessing', () => {
  it('finds the non-zero box and crops it', () => {
    const im = img2d([6, 7], (y, x) => (y >= 2 && y <= 3 && x >= 1 && x <= 4 ? 5 : 0));
    const box = nonZeroBox(im);
    expect(box).toEqual({ start: [2, 1], end: [4, 5] });
    expect(nonZeroBox(im, 1)).toEqual({ start: [1, 0], end: [5, 6] });
    const c = cropImage(im, box);
    expect(c.shape).toEqual([2, 4]);
    expect([...c.data]).toEqual(new Array(8).fill(5));
  });
  it('z-scores over non-zero voxels and keeps zeros', () => {
    const im = img2d([4, 4], (y, x) => (x === 0 ? 0 : y * 4 + x));
    const z = zScoreNonZero(im);
    const vals = [...z.data].filter((_, i) => i % 4 !== 0);
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
    expect(mean).toBeCloseTo(0, 6);
    expect(sd).toBeCloseTo(1, 5);
    expect(z.data[0]).toBe(0);
  });
  it('resamples a linear ramp exactly (linear interpolation) and labels by nearest', () => {
    const im = { ...img2d([4, 8], (_y, x) => 2 * x), spacing: [1, 1] };
    const label = Uint8Array.from({ length: 32 }, (_, i) => (i % 8 >= 4 ? 1 : 0));
    const r = resampleToSpacing(im, [1, 2], label);
    expect(r.image.shape).toEqual([4, 4]);
    // Output voxel q centre maps to input x = 2q + 0.5 → value 4q + 1.
    expect([...r.image.data.slice(0, 4)]).toEqual([1, 5, 9, 13]);
    expect([...r.label!.slice(0, 4)]).toEqual([0, 0, 1, 1]);
    expect(r.image.spacing).toEqual([1, 2]);
  });
});

describe('augmentation', () => {
  it('flipping twice is the identity and flips index order', () => {
    const im = img2d([3, 4], (y, x) => y * 10 + x, 2);
    const f = flipAxis(im.data, im.shape, 2, 1);
    expect(f[0]).toBe(3);
    expect(f[1]).toBe(4);
    expect(flipAxis(f, im.shape, 2, 1)).toEqual(im.data);
  });
  it('rotation by π/2 about the centre equals an index rotation (brute force)', () => {
    const im = img2d([5, 5], (y, x) => y * 5 + x);
    const label = Uint8Array.from({ length: 25 }, (_, i) => (i < 5 ? 1 : 0));
    const out = resampleAffine({ image: im, label }, [Math.PI / 2], 1);
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 5; x++) {
        // source = Rᵀ p: (y, x) ← (x', ...) with R = [[0,-1],[1,0]] → src = (x, -y) about centre 2.
        const sy = x;
        const sx = 4 - y;
        expect(out.image.data[y * 5 + x]).toBeCloseTo(sy * 5 + sx, 4);
        expect(out.label[y * 5 + x]).toBe(label[sy * 5 + sx]);
      }
    }
  });
  it('identity transform keeps the image; scale 2 zooms around the centre', () => {
    const im = img2d([5, 5], (y, x) => y + x);
    const label = new Uint8Array(25);
    expect(resampleAffine({ image: im, label }, [0], 1).image.data).toEqual(im.data);
    const z = resampleAffine({ image: im, label }, [0], 2).image.data;
    // Output (y,x) reads input centre + (p − c)/2: value = 2 + (y − 2)/2 + 2 + (x − 2)/2.
    expect(z[0]).toBeCloseTo(2, 5);
    expect(z[24]).toBeCloseTo(6, 5);
  });
  it('is reproducible for equal seeds and differs for others', () => {
    const p = generatePhantom({ seed: 1, shape: [8, 24, 24] });
    const s = { image: { data: p.modalities.flair, shape: [8, 24, 24], channels: 1, spacing: [2, 1.5, 1.5] }, label: p.seg };
    const opts = { elasticSigma: 1, spatialProbability: 1 };
    const a = augment(s, createRng(5), opts);
    const b = augment(s, createRng(5), opts);
    const c = augment(s, createRng(6), opts);
    expect(a.image.data).toEqual(b.image.data);
    expect(a.label).toEqual(b.label);
    expect(a.image.data).not.toEqual(c.image.data);
  });
  it('gamma keeps min and max and bends the middle', () => {
    const im = img2d([1, 3], (_y, x) => x);
    const g = applyGamma(im, 2);
    expect([...g.data]).toEqual([0, 0.5, 2]);
  });
});

describe('sampling', () => {
  it('extracts slices along each axis (brute-force indices)', () => {
    const shape = [3, 4, 5];
    const data = Float32Array.from({ length: 60 }, (_, i) => i);
    const label = Uint8Array.from({ length: 60 }, (_, i) => i % 2);
    const s = { image: { data, shape, channels: 1, spacing: [3, 2, 1] }, label };
    const a1 = extractSlice(s, 1, 2);
    expect(a1.image.shape).toEqual([3, 5]);
    expect(a1.image.spacing).toEqual([3, 1]);
    for (let d = 0; d < 3; d++) for (let w = 0; w < 5; w++) expect(a1.image.data[d * 5 + w]).toBe(d * 20 + 2 * 5 + w);
    const a2 = extractSlice(s, 2, 4);
    for (let d = 0; d < 3; d++) for (let h = 0; h < 4; h++) expect(a2.label[d * 4 + h]).toBe((d * 20 + h * 5 + 4) % 2);
  });
  it('pads outside the image with zeros', () => {
    const im = img2d([2, 2], () => 1);
    const p = cropPatch({ image: im, label: new Uint8Array([1, 1, 1, 1]) }, [-1, -1], [3, 3]);
    expect([...p.image.data]).toEqual([0, 0, 0, 0, 1, 1, 0, 1, 1]);
  });
  it('centres patches on foreground when asked', () => {
    const label = new Uint8Array(100 * 100);
    label[73 * 100 + 21] = 1;
    const im = img2d([100, 100], () => 1);
    for (let k = 0; k < 5; k++) {
      const p = samplePatch({ image: im, label }, [8, 8], createRng(k), 1);
      expect(p.label.reduce((a, b) => a + b, 0)).toBe(1);
    }
  });
});
