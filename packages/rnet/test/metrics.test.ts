import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { euclideanDistanceTransform } from '../src/edt.js';
import { ShapeError } from '../src/errors.js';
import { assd, dice, hausdorff95, iou, percentile, segmentationMetrics, surfaceDistances } from '../src/metrics.js';
import { createRng } from '../src/rng.js';

type Shape = [number, number] | [number, number, number];

function coords(i: number, shape: Shape): number[] {
  const out: number[] = [];
  let r = i;
  for (let a = shape.length - 1; a >= 0; a--) {
    out.unshift(r % shape[a]!);
    r = Math.floor(r / shape[a]!);
  }
  return out;
}

/** Brute-force surface: a foreground voxel with a face neighbour that is background or off-grid. */
function bruteSurface(mask: Uint8Array, shape: Shape): number[] {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const c = coords(i, shape);
    let border = false;
    for (let a = 0; a < shape.length; a++) {
      for (const s of [-1, 1]) {
        const n = [...c];
        n[a]! += s;
        if (n[a]! < 0 || n[a]! >= shape[a]!) border = true;
        else {
          const flat = n.reduce((acc, v, k) => acc * shape[k]! + v, 0);
          if (!mask[flat]) border = true;
        }
      }
    }
    if (border) out.push(i);
  }
  return out;
}

/** Brute-force directed distances: every surface voxel of A against every one of B. */
function bruteDirected(a: number[], b: number[], shape: Shape, spacing: number[]): number[] {
  return a.map((i) => {
    const ci = coords(i, shape);
    let best = Number.POSITIVE_INFINITY;
    for (const j of b) {
      const cj = coords(j, shape);
      let s = 0;
      for (let k = 0; k < ci.length; k++) s += ((ci[k]! - cj[k]!) * spacing[k]!) ** 2;
      best = Math.min(best, Math.sqrt(s));
    }
    return best;
  });
}

/** numpy.percentile (linear) written independently: sort, then interpolate at q/100·(n−1). */
function npPercentile(values: number[], q: number): number {
  const s = [...values].sort((x, y) => x - y);
  const pos = (q / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  return frac === 0 ? s[lo]! : s[lo]! * (1 - frac) + s[lo + 1]! * frac;
}

function randomBlobMask(shape: Shape, seed: number, fill: number): Uint8Array {
  const rng = createRng(seed).next;
  const size = shape.reduce((a, b) => a * b, 1);
  const centre = shape.map((n) => rng() * n);
  const radius = shape.map((n) => (0.2 + rng() * 0.3) * n);
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const c = coords(i, shape);
    const r = c.reduce((acc, v, k) => acc + ((v - centre[k]!) / radius[k]!) ** 2, 0);
    m[i] = r < 1 || rng() < fill ? 1 : 0;
  }
  return m;
}

describe('overlap metrics', () => {
  it('match hand-computed Dice and IoU', () => {
    // A = 4 voxels, B = 3 voxels, overlap 2 → Dice 4/7, IoU 2/5.
    const a = [1, 1, 1, 1, 0, 0];
    const b = [0, 0, 1, 1, 1, 0];
    expect(dice(a, b, [2, 3])).toBeCloseTo(4 / 7, 12);
    expect(iou(a, b, [2, 3])).toBeCloseTo(2 / 5, 12);
  });
  it('treat probabilities above 0.5 as foreground and handle empty masks', () => {
    expect(dice([0.9, 0.2, 0.51, 0.5], [1, 0, 1, 0], [2, 2])).toBe(1);
    expect(dice([0, 0, 0, 0], [0, 0, 0, 0], [2, 2])).toBe(1);
    expect(iou([0, 0, 0, 0], [1, 0, 0, 0], [2, 2])).toBe(0);
  });
  it('reject shape mismatches with ShapeError naming the argument', () => {
    expect(() => dice([1, 0, 1], [1, 0, 1, 0], [2, 2])).toThrow(ShapeError);
    expect(() => dice([1, 0, 1], [1, 0, 1, 0], [2, 2])).toThrow(/prediction has 3 values; expected 4/);
    expect(() => assd([1, 0, 1, 0], [1, 0, 1, 0], [2, 2], [1])).toThrow(/spacing must have 2 entries/);
    expect(() => assd([1, 0, 1, 0], [1, 0, 1, 0], [2, 2], [1, -1])).toThrow(/spacing entries must be finite positive/);
  });
});

describe('exact Euclidean distance transform', () => {
  it('equals brute force with anisotropic spacing in 2D and 3D', () => {
    for (const [shape, spacing] of [
      [[13, 17], [0.7, 1.9]],
      [[6, 9, 11], [2.5, 0.8, 1.1]],
    ] as [Shape, number[]][]) {
      const rng = createRng(7).next;
      const size = shape.reduce((a, b) => a * b, 1);
      const feat = new Uint8Array(size);
      for (let i = 0; i < size; i++) feat[i] = rng() < 0.03 ? 1 : 0;
      const dt = euclideanDistanceTransform(feat, shape, spacing);
      const all = [...feat.keys()];
      const featList = all.filter((i) => feat[i]);
      const brute = bruteDirected(all, featList, shape, spacing);
      for (let i = 0; i < size; i++) expect(dt[i]).toBeCloseTo(brute[i]!, 10);
    }
  });
  it('is exact where a chamfer scan is not (a far diagonal point)', () => {
    const shape: Shape = [40, 40];
    const feat = new Uint8Array(1600);
    feat[0] = 1;
    const dt = euclideanDistanceTransform(feat, shape, [1, 1]);
    expect(dt[39 * 40 + 17]).toBeCloseTo(Math.hypot(39, 17), 12);
  });
  it('is infinite everywhere without features', () => {
    const dt = euclideanDistanceTransform(new Uint8Array(12), [3, 4], [1, 1]);
    expect([...dt].every((d) => d === Number.POSITIVE_INFINITY)).toBe(true);
  });
});

describe('surface distances, ASSD and HD95', () => {
  it('match a hand-computed 1-voxel shift', () => {
    // Two 3×3 squares in a 7×7 grid, B shifted right by one voxel with spacing 2 along w.
    const shape: Shape = [7, 7];
    const a = new Uint8Array(49);
    const b = new Uint8Array(49);
    for (let h = 2; h <= 4; h++) {
      for (let w = 1; w <= 3; w++) a[h * 7 + w] = 1;
      for (let w = 2; w <= 4; w++) b[h * 7 + w] = 1;
    }
    // Surfaces: the 8 ring voxels of each square (the centres are interior). A's left column
    // is 2 mm (one voxel along w) from B's ring; four voxels lie on B's ring (0); A's voxel
    // (3,3) is B's interior centre, 1 mm (along h) from B's ring. Symmetric for B → A.
    const { predictionToTruth, truthToPrediction } = surfaceDistances(a, b, shape, [1, 2]);
    expect([...predictionToTruth].sort()).toEqual([0, 0, 0, 0, 1, 2, 2, 2]);
    expect([...truthToPrediction].sort()).toEqual([0, 0, 0, 0, 1, 2, 2, 2]);
    expect(assd(a, b, shape, [1, 2])).toBeCloseTo(7 / 8, 12);
    // Pooled 95th percentile of [0×8, 1×2, 2×6] (16 values, linear): position 14.25 → 2. Each
    // direction alone, [0×4, 1, 2×3]: position 6.65 → 2.
    expect(hausdorff95(a, b, shape, [1, 2])).toBe(2);
    expect(hausdorff95(a, b, shape, [1, 2], 'maxDirected')).toBe(2);
    expect(() => hausdorff95(a, b, shape, [1, 2], 'max' as 'pooled')).toThrow(/pooling must be 'pooled' or 'maxDirected'/);
  });
  it('equal brute force on random 2D and 3D shapes with spacing', () => {
    const cases: [Shape, number[]][] = [
      [[19, 23], [1.3, 0.6]],
      [[9, 12, 14], [3, 0.9, 1.2]],
    ];
    for (const [idx, [shape, spacing]] of cases.entries()) {
      for (let trial = 0; trial < 3; trial++) {
        const a = randomBlobMask(shape, 100 * idx + trial, 0.02);
        const b = randomBlobMask(shape, 100 * idx + trial + 50, 0.02);
        const sa = bruteSurface(a, shape);
        const sb = bruteSurface(b, shape);
        const ab = bruteDirected(sa, sb, shape, spacing);
        const ba = bruteDirected(sb, sa, shape, spacing);
        const m = segmentationMetrics(a, b, shape, spacing);
        const pooled = [...ab, ...ba];
        expect(m.assd).toBeCloseTo(pooled.reduce((x, y) => x + y, 0) / pooled.length, 9);
        expect(m.hd95).toBeCloseTo(npPercentile(pooled, 95), 9);
        expect(hausdorff95(a, b, shape, spacing, 'maxDirected')).toBeCloseTo(Math.max(npPercentile(ab, 95), npPercentile(ba, 95)), 9);
        expect(m.assd).toBeGreaterThan(0);
      }
    }
  });
  it('equal scipy (medpy-style erosion + distance_transform_edt) on 2D and 3D masks', () => {
    // Golden values from test/fixtures/make_metrics_golden.py (numpy/scipy).
    const golden = JSON.parse(readFileSync(new URL('./fixtures/metrics_golden.json', import.meta.url), 'utf8')) as {
      shape: Shape;
      spacing: number[];
      a: number[];
      b: number[];
      dice: number;
      assd: number;
      hd95_pooled: number;
      hd95_max_directed: number;
    }[];
    for (const g of golden) {
      const m = segmentationMetrics(g.a, g.b, g.shape, g.spacing);
      expect(m.dice).toBeCloseTo(g.dice, 12);
      expect(m.assd).toBeCloseTo(g.assd, 9);
      expect(m.hd95).toBeCloseTo(g.hd95_pooled, 9);
      expect(hausdorff95(g.a, g.b, g.shape, g.spacing, 'maxDirected')).toBeCloseTo(g.hd95_max_directed, 9);
    }
  });

  it('follow the documented empty-mask convention', () => {
    const empty = new Uint8Array(16);
    const one = new Uint8Array(16);
    one[5] = 1;
    expect(assd(empty, empty, [4, 4])).toBe(0);
    expect(hausdorff95(empty, one, [4, 4])).toBe(Number.POSITIVE_INFINITY);
    expect(segmentationMetrics(one, empty, [4, 4]).assd).toBe(Number.POSITIVE_INFINITY);
    expect(segmentationMetrics(one, one, [4, 4])).toEqual({ dice: 1, iou: 1, assd: 0, hd95: 0 });
  });
  it('percentile interpolates like numpy', () => {
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
    expect(percentile([5], 95)).toBe(5);
  });
});
