// Correctness against independent TypeScript references. Runs once per backend (vitest projects
// set DEEPIGEOS_GEODESIC_BACKEND), so every assertion holds for native and WASM alike. With
// DEEPIGEOS_GEODESIC_TEST_SPLIT=1 (the WASM project) 'exact' splits every 3D volume of >= 4
// planes between two threads — the threaded WASM build's helper worker takes one slab — so the
// two-thread path meets the references on all these small inputs.
import { beforeAll, describe, expect, it } from 'vitest';
import { backend, backendThreads, geodesicDistance, ready } from '../src/index.js';
import { requireBackend } from '../src/state.js';
import { resolveShape } from '../src/validate.js';
import type { WasmBackend } from '../src/wasm-backend.js';
import { allCases, type Case } from './cases.js';
import { CAUSAL_FORWARD, dijkstraReference, GEODISTK_FORWARD, type RefInput, rasterReference } from './reference.js';

const lowSplit = process.env.DEEPIGEOS_GEODESIC_TEST_SPLIT === '1';

beforeAll(async () => {
  await ready();
  if (lowSplit) (requireBackend() as WasmBackend).setSplit(1, 4);
});

function refInput(c: Case): RefInput {
  const spacing = c.options.spacing;
  return {
    image: c.image,
    seeds: c.seeds,
    dims: resolveShape(c.shape).dims,
    channels: c.options.channels ?? 1,
    spacing: spacing === undefined ? [1, 1, 1] : spacing.length === 2 ? [1, spacing[0]!, spacing[1]!] : [spacing[0]!, spacing[1]!, spacing[2]!],
    lambda: c.options.lambda ?? 1,
  };
}

/** Index of the first element that differs bit for bit (Infinity equals Infinity), or -1. */
function firstMismatch(actual: Float32Array, expected: ArrayLike<number>): number {
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return i;
  return actual.length === expected.length ? -1 : actual.length;
}

describe(`geodesicDistance on the ${process.env.DEEPIGEOS_GEODESIC_BACKEND ?? 'default'} backend`, () => {
  it('runs on the backend the project forces', () => {
    expect(backend()).toBe(process.env.DEEPIGEOS_GEODESIC_BACKEND ?? backend());
  });

  for (const c of allCases()) {
    describe(c.name, () => {
      const ref = refInput(c);
      const iterations = c.options.iterations ?? 2;

      it("'raster' equals the voxel-by-voxel GeodisTK transcription bit for bit", () => {
        const got = geodesicDistance(c.image, c.seeds, c.shape, { ...c.options, method: 'raster' });
        const want = rasterReference(ref, iterations, GEODISTK_FORWARD, 'f32');
        expect(firstMismatch(got, want)).toBe(-1);
      });

      it("'raster-causal' equals the transcription with causal half-masks bit for bit", () => {
        const got = geodesicDistance(c.image, c.seeds, c.shape, { ...c.options, method: 'raster-causal' });
        const want = rasterReference(ref, iterations, CAUSAL_FORWARD, 'f32');
        expect(firstMismatch(got, want)).toBe(-1);
      });

      it("'exact' equals a float64 Dijkstra to 1e-5 relative, and a float32 one bit for bit", () => {
        const got = geodesicDistance(c.image, c.seeds, c.shape, { ...c.options, method: 'exact' });
        const want64 = dijkstraReference(ref, 'f64');
        for (let i = 0; i < got.length; i++) {
          const w = want64[i]!;
          if (w === Number.POSITIVE_INFINITY) expect(got[i]).toBe(Number.POSITIVE_INFINITY);
          else expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(1e-5 * Math.max(w, 1e-30));
        }
        expect(firstMismatch(got, dijkstraReference(ref, 'f32'))).toBe(-1);
      });

      it("'raster' never undercuts 'exact', and converges to it", () => {
        const exact = geodesicDistance(c.image, c.seeds, c.shape, { ...c.options, method: 'exact' });
        const raster = geodesicDistance(c.image, c.seeds, c.shape, { ...c.options, method: 'raster' });
        for (let i = 0; i < exact.length; i++) expect(raster[i]!).toBeGreaterThanOrEqual(exact[i]!);
        const many = c.shape.reduce((a, b) => a + b, 0) * 2;
        const converged = geodesicDistance(c.image, c.seeds, c.shape, { ...c.options, method: 'raster', iterations: many });
        expect(firstMismatch(converged, exact)).toBe(-1);
      });
    });
  }

  it.runIf(lowSplit)('ran the split 3D solves on two threads (the helper worker took tasks)', () => {
    expect(backendThreads()).toBe(2);
    expect((requireBackend() as WasmBackend).helperTasks()).toBeGreaterThanOrEqual(8);
  });

  it('keeps seeds at 0, gives Infinity without seeds and 0 everywhere with all seeds', () => {
    const img = new Float32Array(12).map((_, i) => i * 3.5);
    for (const method of ['raster', 'raster-causal', 'exact'] as const) {
      expect([...geodesicDistance(img, new Uint8Array(12), [3, 4], { method })]).toEqual(new Array(12).fill(Number.POSITIVE_INFINITY));
      expect([...geodesicDistance(img, new Uint8Array(12).fill(1), [3, 4], { method })]).toEqual(new Array(12).fill(0));
    }
  });
});

describe('lambda = 0 is the chamfer (octile) Euclidean distance', () => {
  // Known chamfer distances: with steps 1, √2, √3 the shortest path to an offset with sorted
  // magnitudes x ≥ y ≥ z costs (x − y) + (y − z)√2 + z√3 (octile distance in 2D, z = 0).
  const chamfer = (a: number, b: number, c: number) => {
    const [x, y, z] = [Math.abs(a), Math.abs(b), Math.abs(c)].sort((p, q) => q - p) as [number, number, number];
    return x - y + (y - z) * Math.SQRT2 + z * Math.sqrt(3);
  };
  const image = new Float32Array(9 * 10 * 11).map((_, i) => (i * 7919) % 101); // ignored at λ = 0

  it('3D exact and one causal iteration match the formula; 2D too', () => {
    const shape = [9, 10, 11] as const;
    const seeds = new Uint8Array(990);
    const [sd, sh, sw] = [4, 5, 3];
    seeds[(sd * 10 + sh) * 11 + sw] = 1;
    const exact = geodesicDistance(image, seeds, shape, { lambda: 0, method: 'exact' });
    const causal = geodesicDistance(image, seeds, shape, { lambda: 0, method: 'raster-causal', iterations: 1 });
    for (let d = 0; d < 9; d++)
      for (let h = 0; h < 10; h++)
        for (let w = 0; w < 11; w++) {
          const i = (d * 10 + h) * 11 + w;
          const want = chamfer(d - sd, h - sh, w - sw);
          expect(exact[i]).toBeCloseTo(want, 4);
          expect(causal[i]).toBeCloseTo(want, 4);
        }
    const img2 = image.subarray(0, 110);
    const seeds2 = new Uint8Array(110);
    seeds2[0] = 1;
    const d2 = geodesicDistance(img2, seeds2, [10, 11], { lambda: 0, method: 'raster', iterations: 1 });
    expect(d2[9 * 11 + 10]).toBeCloseTo(chamfer(9, 10, 0), 4);
    expect(d2[4 * 11 + 10]).toBeCloseTo(6 + 4 * Math.SQRT2, 4);
  });

  it('scales with spacing: a straight run along w costs its length in mm', () => {
    const seeds = new Uint8Array(3 * 20);
    seeds[20] = 1; // (h=1, w=0)
    const d = geodesicDistance(new Float32Array(60), seeds, [3, 20], { lambda: 0, method: 'exact', spacing: [2, 0.5] });
    expect(d[20 + 19]).toBeCloseTo(19 * 0.5, 5);
    expect(d[0]).toBeCloseTo(2, 5);
  });

  it("GeodisTK's 3D lists overestimate the chamfer distance where the causal masks do not", () => {
    const n = 12;
    const seeds = new Uint8Array(n * n * n);
    const c = Math.floor(n / 2);
    seeds[(c * n + c) * n + c] = 1;
    const flat = new Float32Array(n * n * n);
    const raster = geodesicDistance(flat, seeds, [n, n, n], { lambda: 0, method: 'raster' });
    const exact = geodesicDistance(flat, seeds, [n, n, n], { lambda: 0, method: 'exact' });
    let worst = 0;
    for (let i = 0; i < raster.length; i++) worst = Math.max(worst, raster[i]! / Math.max(exact[i]!, 1e-9));
    expect(worst).toBeGreaterThan(1.05);
  });
});
