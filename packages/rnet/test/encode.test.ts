import { geodesicDistance, ready } from '@deepigeos/geodesic';
import { initBackend } from '@deepigeos/pnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { DistanceMapCache, encodeInteractions, encodeInteractionsData, resolveEncoding } from '../src/encode.js';
import { OptionError, SeedError, ShapeError } from '../src/errors.js';
import { channel } from './helpers/fake-networks.js';

// A 16×16 image: a bright 8×8 square (rows/cols 4..11) on a dark background.
const H = 16;
const image = Float32Array.from({ length: H * H }, (_, i) => {
  const h = Math.floor(i / H);
  const w = i % H;
  return h >= 4 && h < 12 && w >= 4 && w < 12 ? 1 : 0;
});
const probability = Float32Array.from({ length: H * H }, (_, i) => (i % 7) / 7);
const at = (h: number, w: number) => h * H + w;

beforeAll(async () => {
  await initBackend();
  await ready();
});

describe('encodeInteractions', () => {
  it('stacks image, probability (not binarised), G(fg), G(bg) channels-last', async () => {
    const t = await encodeInteractions({ image, shape: [H, H], probability, fgSeeds: [[5, 5]], bgSeeds: [[0, 0]] });
    expect(t.shape).toEqual([1, H, H, 4]);
    const data = t.dataSync() as Float32Array;
    t.dispose();
    expect(channel(data, 4, 0)).toEqual(image);
    expect(channel(data, 4, 1)).toEqual(probability);
    const gFg = channel(data, 4, 2);
    const gBg = channel(data, 4, 3);
    expect(gFg[at(5, 5)]).toBe(0);
    expect(gBg[at(0, 0)]).toBe(0);
    expect(Math.max(...gFg)).toBeCloseTo(1, 6);
    expect(Math.min(...gFg)).toBe(0);
  });

  it('normalises the geodesic package output by its maximum, or as exp(−d/σ)', async () => {
    const seeds = new Uint8Array(H * H);
    seeds[at(5, 5)] = 1;
    const raw = geodesicDistance(image, seeds, [H, H], { spacing: [1, 1], lambda: 1, iterations: 2, channels: 1 });
    const max = Math.max(...raw);
    const data = await encodeInteractionsData({ image, shape: [H, H], probability, fgSeeds: seeds, bgSeeds: [] });
    const gFg = channel(data, 4, 2);
    for (let i = 0; i < gFg.length; i++) expect(gFg[i]).toBeCloseTo(raw[i]! / max, 6);
    const expData = await encodeInteractionsData({
      image,
      shape: [H, H],
      probability,
      fgSeeds: seeds,
      bgSeeds: [],
      geodesic: { normalization: 'exp', sigma: 0.5 },
    });
    const gExp = channel(expData, 4, 2);
    for (let i = 0; i < gExp.length; i++) expect(gExp[i]).toBeCloseTo(Math.exp(-raw[i]! / 0.5), 6);
  });

  it('follows the documented empty-seed convention: "infinitely far" everywhere', async () => {
    const maxData = await encodeInteractionsData({ image, shape: [H, H], probability, fgSeeds: [], bgSeeds: new Uint8Array(H * H) });
    expect(channel(maxData, 4, 2).every((v) => v === 1)).toBe(true);
    expect(channel(maxData, 4, 3).every((v) => v === 1)).toBe(true);
    const expData = await encodeInteractionsData({ image, shape: [H, H], probability, fgSeeds: [], bgSeeds: [], geodesic: { normalization: 'exp' } });
    expect(channel(expData, 4, 2).every((v) => v === 0)).toBe(true);
  });

  it('follows image edges with λ = 1 and ignores them with λ = 0', async () => {
    const encode = async (lambda: number) =>
      channel(await encodeInteractionsData({ image, shape: [H, H], probability, fgSeeds: [[5, 5]], bgSeeds: [], geodesic: { lambda } }), 4, 2);
    const geo = await encode(1);
    const euc = await encode(0);
    // (11, 11) is inside the square, 6√2 ≈ 8.5 voxels from the seed; (5, 2) is outside it, 3 away.
    expect(geo[at(11, 11)]!).toBeLessThan(geo[at(5, 2)]!);
    expect(euc[at(11, 11)]!).toBeGreaterThan(euc[at(5, 2)]!);
  });

  it('handles 3D volumes with spacing and several image channels', async () => {
    const shape = [3, 4, 5] as const;
    const img = new Float32Array(60 * 2).map((_, i) => (i % 2 === 0 ? i / 120 : 1 - i / 120));
    const t = await encodeInteractions({
      image: img,
      channels: 2,
      shape,
      spacing: [3, 1, 1],
      probability: new Float32Array(60).fill(0.25),
      fgSeeds: [[1, 2, 2]],
      bgSeeds: [[0, 0, 0]],
    });
    expect(t.shape).toEqual([1, 3, 4, 5, 5]);
    const data = t.dataSync() as Float32Array;
    t.dispose();
    expect(channel(data, 5, 1)[7]).toBeCloseTo(img[15]!, 6);
    expect(channel(data, 5, 2)[0]).toBe(0.25);
    expect(channel(data, 5, 3)[1 * 20 + 2 * 5 + 2]).toBe(0);
  });

  it('reuses cached maps only for the same image, options and seeds', async () => {
    const cache = new DistanceMapCache();
    let computed = 0;
    const compute = () => {
      computed++;
      return new Float32Array(4);
    };
    const img = new Float32Array(4);
    const a = cache.get('fg', img, 'k', Uint8Array.of(1, 0, 0, 0), compute);
    expect(cache.get('fg', img, 'k', Uint8Array.of(1, 0, 0, 0), compute)).toBe(a);
    expect(computed).toBe(1);
    cache.get('fg', img, 'k', Uint8Array.of(1, 1, 0, 0), compute); // new seeds
    cache.get('fg', img, 'other', Uint8Array.of(1, 1, 0, 0), compute); // new options
    cache.get('fg', img.slice(), 'other', Uint8Array.of(1, 1, 0, 0), compute); // new image
    cache.get('bg', img, 'other', Uint8Array.of(1, 1, 0, 0), compute); // other label
    expect(computed).toBe(5);

    // Through encodeInteractionsData: cached and uncached encodings are identical, and a
    // change of λ or seeds is not served from the cache.
    const run = (fgSeeds: number[][], lambda: number, withCache: boolean) =>
      encodeInteractionsData({ image, shape: [H, H], probability, fgSeeds, bgSeeds: [[0, 0]], geodesic: { lambda }, ...(withCache ? { cache: encCache } : {}) });
    const encCache = new DistanceMapCache();
    expect(await run([[5, 5]], 1, true)).toEqual(await run([[5, 5]], 1, false));
    expect(await run([[5, 5]], 1, true)).toEqual(await run([[5, 5]], 1, false));
    expect(await run([[5, 5]], 0, true)).toEqual(await run([[5, 5]], 0, false));
    expect(await run([[9, 9]], 0, true)).toEqual(await run([[9, 9]], 0, false));
  });

  it('computes the maps off the calling thread on request (the default only on a browser page), identically', async () => {
    expect(resolveEncoding().offThread).toBe(false); // Node: no document
    // A 3D volume with an intensity edge, λ = 1 and 'exact', so both code paths do real work.
    const [D, S] = [6, 20];
    const volume = Float32Array.from({ length: D * S * S }, (_, i) => ((i % S) > 9 ? 2 : 0) + ((i * 7919) % 13) / 26);
    const prob = new Float32Array(volume.length).fill(0.5);
    const encode = (offThread: boolean, cache?: DistanceMapCache) =>
      encodeInteractionsData({
        image: volume,
        shape: [D, S, S],
        spacing: [2, 1, 1],
        probability: prob,
        fgSeeds: [[3, 4, 4]],
        bgSeeds: [[1, 15, 16]],
        geodesic: { method: 'exact', offThread },
        ...(cache ? { cache } : {}),
      });
    const onThread = await encode(false);
    expect(await encode(true)).toEqual(onThread);
    // The cache serves maps whichever thread computed them.
    const cache = new DistanceMapCache();
    expect(await encode(true, cache)).toEqual(onThread);
    // Served from the cache even though it was filled off the thread (the option is not part of the key).
    expect(await encode(false, cache)).toEqual(onThread);
  });

  it('rejects shape mismatches, seeds outside the volume and bad options', async () => {
    const base = { image, shape: [H, H] as const, probability, fgSeeds: [[1, 1]], bgSeeds: [] };
    await expect(encodeInteractionsData({ ...base, probability: new Float32Array(10) })).rejects.toThrow(ShapeError);
    await expect(encodeInteractionsData({ ...base, probability: new Float32Array(10) })).rejects.toThrow(/probability has 10 values; expected 256/);
    await expect(encodeInteractionsData({ ...base, image: new Float32Array(255) })).rejects.toThrow(/image has 255 values/);
    await expect(encodeInteractionsData({ ...base, channels: 2 })).rejects.toThrow(/2 channels × 256 voxels/);
    await expect(encodeInteractionsData({ ...base, fgSeeds: [[16, 0]] })).rejects.toThrow(SeedError);
    await expect(encodeInteractionsData({ ...base, bgSeeds: new Uint8Array(100) })).rejects.toThrow(/bgSeeds as a mask must have 256 values/);
    await expect(encodeInteractionsData({ ...base, geodesic: { lambda: 2 } })).rejects.toThrow(OptionError);
    await expect(encodeInteractionsData({ ...base, geodesic: { normalization: 'z' as 'max' } })).rejects.toThrow(/normalization must be 'max' or 'exp'/);
    await expect(encodeInteractionsData({ ...base, geodesic: { offThread: 'yes' as unknown as boolean } })).rejects.toThrow(/offThread must be a boolean/);
  });
});
