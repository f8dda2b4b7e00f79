import { ArgumentError } from '@deepigeos/core';
// Bad input is rejected with typed errors naming the argument, on every backend.
import { beforeAll, describe, expect, it } from 'vitest';
import { GeodesicRangeError, GeodesicTypeError, geodesicDistance, ready, seedsFromPoints, seedsFromStrokes } from '../src/index.js';
import type { GeodesicOptions, Shape } from '../src/types.js';

beforeAll(async () => {
  await ready();
});

const img = new Float32Array(12).fill(1);
const seeds = new Uint8Array(12);
seeds[0] = 1;

function call(options: GeodesicOptions, shape: Shape = [3, 4], image: Float32Array = img, s: Uint8Array = seeds) {
  return () => geodesicDistance(image, s, shape, options);
}

describe('invalid input', () => {
  const rangeCases: [string, () => unknown, string][] = [
    ['image length mismatch', call({}, [3, 4], new Float32Array(11)), 'image'],
    ['seeds length mismatch', call({}, [3, 4], img, new Uint8Array(13)), 'seeds'],
    ['shape with a zero', call({}, [0, 4]), 'shape'],
    ['shape with a fraction', call({}, [3, 4.5]), 'shape'],
    ['negative extent', call({}, [-3, 4]), 'shape'],
    ['shape product overflows', call({}, [2 ** 20, 2 ** 20, 2 ** 20]), 'shape'],
    ['shape × channels overflows', call({ channels: 4096 }, [1024, 1024]), 'shape'],
    ['NaN pixel', call({}, [3, 4], new Float32Array(12).fill(Number.NaN)), 'image'],
    ['infinite pixel', call({}, [3, 4], Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, Number.POSITIVE_INFINITY)), 'image'],
    ['spacing zero', call({ spacing: [1, 0] }), 'options.spacing'],
    ['spacing negative', call({ spacing: [-1, 1] }), 'options.spacing'],
    ['spacing NaN', call({ spacing: [1, Number.NaN] }), 'options.spacing'],
    ['spacing wrong length', call({ spacing: [1, 1, 1] }), 'options.spacing'],
    ['lambda above 1', call({ lambda: 1.01 }), 'options.lambda'],
    ['lambda below 0', call({ lambda: -0.1 }), 'options.lambda'],
    ['lambda NaN', call({ lambda: Number.NaN }), 'options.lambda'],
    ['iterations 0', call({ iterations: 0 }), 'options.iterations'],
    ['iterations fractional', call({ iterations: 1.5 }), 'options.iterations'],
    // Each iteration is a full pass: 2^31 − 1 of them would run for hours (bounded by MAX_ITERATIONS).
    ['iterations 2^31 − 1', call({ iterations: 2 ** 31 - 1 }), 'options.iterations'],
    ['iterations MAX_ITERATIONS + 1', call({ iterations: 1001 }), 'options.iterations'],
    ['spacing infinite', call({ spacing: [1, Number.POSITIVE_INFINITY] }), 'options.spacing'],
    ['spacing 1e300 (path lengths overflow float32)', call({ spacing: [1, 1e300] }), 'options.spacing'],
    ['unknown method', call({ method: 'fast' as never }), 'options.method'],
    ['channels 0', call({ channels: 0 }), 'options.channels'],
    ['channels not dividing image', call({ channels: 5 }), 'image'],
  ];
  for (const [name, fn, argument] of rangeCases) {
    it(`${name} → GeodesicRangeError naming ${argument}`, () => {
      expect(fn).toThrow(GeodesicRangeError);
      expect(fn).toThrow(ArgumentError);
      expect(fn).toThrow(new RegExp(`^${argument.replace('.', '\\.')}:`));
    });
  }

  const typeCases: [string, () => unknown, string][] = [
    ['image as Float64Array', () => geodesicDistance(new Float64Array(12) as never, seeds, [3, 4]), 'image'],
    ['image as plain array', () => geodesicDistance([1, 2] as never, seeds, [3, 4]), 'image'],
    ['seeds as Int8Array', () => geodesicDistance(img, new Int8Array(12) as never, [3, 4]), 'seeds'],
    ['shape of rank 4', () => geodesicDistance(img, seeds, [1, 1, 3, 4] as never), 'shape'],
    ['shape not an array', () => geodesicDistance(img, seeds, 12 as never), 'shape'],
    ['options not an object', () => geodesicDistance(img, seeds, [3, 4], 5 as never), 'options'],
  ];
  for (const [name, fn, argument] of typeCases) {
    it(`${name} → GeodesicTypeError naming ${argument}`, () => {
      expect(fn).toThrow(GeodesicTypeError);
      expect(fn).toThrow(ArgumentError);
      expect(fn).toThrow(new RegExp(`^${argument}:`));
    });
  }

  it('still computes correctly after rejected calls', () => {
    const d = geodesicDistance(img, seeds, [3, 4], { lambda: 0, method: 'exact' });
    expect(d[3]).toBeCloseTo(3, 6);
  });
});

describe('seed rasterisation stays bounded', () => {
  const shape: Shape = [64, 96, 96];
  const stroke = [
    [2, 2, 2],
    [60, 90, 90],
    [2, 90, 2],
  ];

  it('refuses a radius that would visit more than 2^28 voxels, at once and without touching `into`', () => {
    const into = new Uint8Array(64 * 96 * 96);
    const started = performance.now();
    for (const call of [
      () => seedsFromStrokes(shape, [stroke], { radius: 1e6, into }),
      () => seedsFromPoints(shape, Array.from({ length: 2000 }, () => [30, 40, 50]), { radius: 1e6, into }),
    ]) {
      expect(call).toThrow(GeodesicRangeError);
      expect(call).toThrow(/^options\.radius: .*limit/);
    }
    expect(performance.now() - started).toBeLessThan(1000);
    expect(into.every((v) => v === 0)).toBe(true);
  });

  it('still marks brush-sized strokes exactly as before', () => {
    const mask = seedsFromStrokes(shape, [stroke], { radius: 2 });
    const voxels = mask.reduce((n, v) => n + v, 0);
    expect(voxels).toBeGreaterThan(300);
    expect(mask[(2 * 96 + 2) * 96 + 2]).toBe(1);
    expect(mask[(60 * 96 + 90) * 96 + 90]).toBe(1);
    // A whole-volume radius on one point is fine: 590 k visits.
    expect(seedsFromPoints(shape, [[30, 40, 50]], { radius: 1e6 }).every((v) => v === 1)).toBe(true);
  });
});
