// Backend selection, the ready() contract and validation order.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { GeodesicBackendError, GeodesicRangeError, backend, geodesicDistance } from '../../src/index.js';
import { loadBackend } from '../../src/loader-node.js';
import { highestGlibcMinor } from '../../../../scripts/glibc-versions.mjs';

describe('loader', () => {
  it('validates input before needing a backend, and refuses to compute before ready()', () => {
    // No ready() in this file: a bad call fails validation, not the missing backend.
    expect(() => geodesicDistance(new Float32Array(3), new Uint8Array(3), [2, 2])).toThrow(GeodesicRangeError);
    expect(() => geodesicDistance(new Float32Array(4), new Uint8Array(4), [2, 2])).toThrow(GeodesicBackendError);
    expect(() => backend()).toThrow(/await ready\(\)/);
  });

  it('rejects an unknown forced backend name', async () => {
    await expect(loadBackend('gpu')).rejects.toThrow(/DEEPIGEOS_GEODESIC_BACKEND: expected 'native' or 'wasm'/);
  });

  it('the prebuilt linux-x64 addon asks for glibc 2.28 at most (RHEL 8, Ubuntu 20.04 load it)', () => {
    const addon = readFileSync(new URL('../../prebuilds/linux-x64/geodesic.node', import.meta.url));
    expect(highestGlibcMinor(addon)).toBeLessThanOrEqual(28);
  });

  it('prefers native when nothing is forced', async () => {
    expect((await loadBackend(undefined)).name).toBe('native');
    expect((await loadBackend('')).name).toBe('native');
  });
});

describe('native addon validates on its own', () => {
  const require = createRequire(import.meta.url);
  const addon = require('../../prebuilds/linux-x64/geodesic.node') as { compute: (...args: unknown[]) => Float32Array };
  const img = new Float32Array(6);
  const seeds = new Uint8Array(6);
  const ok = [img, seeds, 1, 2, 3, 1, 1, 1, 1, 1, 2, 0];
  const withArg = (i: number, v: unknown) => ok.map((x, j) => (j === i ? v : x));

  it('computes with valid arguments', () => {
    expect(addon.compute(...ok)).toBeInstanceOf(Float32Array);
  });

  const bad: [string, unknown[], RegExp][] = [
    ['too few arguments', ok.slice(0, 5), /12 arguments/],
    ['image not Float32Array', withArg(0, new Float64Array(6)), /image/],
    ['seeds not Uint8Array', withArg(1, [0, 0]), /seeds/],
    ['image length', withArg(0, new Float32Array(5)), /image/],
    ['seeds length', withArg(1, new Uint8Array(7)), /seeds/],
    ['fractional extent', withArg(3, 2.5), /integers/],
    ['huge extent', withArg(2, 2 ** 40), /shape/],
    ['negative extent', withArg(4, -3), /shape/],
    ['NaN spacing', withArg(7, Number.NaN), /spacing/],
    ['lambda out of range', withArg(9, 2), /lambda/],
    ['iterations 0', withArg(10, 0), /iterations/],
    ['bad method', withArg(11, 9), /method/],
    ['NaN pixel', withArg(0, new Float32Array(6).fill(Number.NaN)), /image/],
  ];
  for (const [name, args, message] of bad) {
    it(`${name}: throws, process survives`, () => {
      expect(() => addon.compute(...args)).toThrow(message);
    });
  }
});
