import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createPNet2D, createRNet2D, InteractiveSession } from '@deepigeos/rnet';
import { describe, expect, it } from 'vitest';
import { runRounds } from '../src/pipeline/rounds.js';
import { interiorMostVoxel, simulateUser } from '../src/pipeline/simulated-user.js';
import { warmStartFromPNet } from '../src/train/warm-start.js';

const H = 20;
const W = 24;
/** A 0/1 mask of the pixels inside axis-aligned rectangles [h0, h1) × [w0, w1). */
function rects(...boxes: [number, number, number, number][]): Uint8Array {
  const m = new Uint8Array(H * W);
  for (const [h0, h1, w0, w1] of boxes) for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) m[h * W + w] = 1;
  return m;
}
const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
const indexOf = (m: Uint8Array) => m.indexOf(1);

describe('simulated user with a minimum number of clicks', () => {
  // Reference: a 10×12 box; prediction misses a 4×5 strip (20 pixels) and leaks a 3×3 patch (9 pixels): both under 30.
  const truth = rects([4, 14, 6, 18]);
  const prediction = rects([4, 14, 6, 13], [4, 14, 13, 18], [0, 3, 0, 3]);
  for (let h = 4; h < 8; h++) for (let w = 13; w < 18; w++) prediction[h * W + w] = 0;

  it("places no click under the paper's rule alone (no error region of ≥ 30 pixels)", () => {
    const r = simulateUser({ prediction, groundTruth: truth, shape: [H, W], rng: 1, minClicks: 0 });
    expect(count(r.fgSeeds) + count(r.bgSeeds)).toBe(0);
    expect(r.errorVoxels).toBe(29);
  });

  it('one-click protocol (paperRule false): exactly one click per round, at the largest error region', () => {
    // A large miss (60 pixels) that the paper's rule would click once per started 100 pixels, plus the small leak.
    const big = rects([2, 12, 2, 8]);
    const pred = rects([0, 3, 20, 23]);
    const paper = simulateUser({ prediction: pred, groundTruth: big, shape: [H, W], rng: 1, minClicks: 0 });
    expect(count(paper.fgSeeds)).toBe(1);
    const single = simulateUser({ prediction: pred, groundTruth: big, shape: [H, W], rng: 1, minClicks: 1, paperRule: false });
    expect(count(single.fgSeeds) + count(single.bgSeeds)).toBe(1);
    expect(single.fallbackClicks).toBe(1);
    // The centre of the 10×6 box (interior-most, first in scan order on ties).
    const at = indexOf(single.fgSeeds);
    expect([Math.floor(at / W), at % W]).toEqual([4, 4]);
    expect(count(simulateUser({ prediction: big, groundTruth: big, shape: [H, W], rng: 1, minClicks: 1, paperRule: false }).fgSeeds)).toBe(0);
  });

  it('with minClicks 1 clicks the interior-most pixel of the largest error region (brute force)', () => {
    const r = simulateUser({ prediction, groundTruth: truth, shape: [H, W], rng: 1, minClicks: 1 });
    expect(r.fallbackClicks).toBe(1);
    expect(count(r.bgSeeds)).toBe(0);
    expect(count(r.fgSeeds)).toBe(1);
    // Brute force: the strip pixel whose nearest non-strip pixel is farthest (first in scan order on ties).
    const strip: number[] = [];
    for (let h = 4; h < 8; h++) for (let w = 13; w < 18; w++) strip.push(h * W + w);
    // Outside = every pixel of the grid padded by one pixel that is not in the strip.
    const depth = (v: number) => {
      let best = Infinity;
      for (let h = -1; h <= H; h++) {
        for (let w = -1; w <= W; w++) {
          const inside = h >= 0 && h < H && w >= 0 && w < W && strip.includes(h * W + w);
          if (!inside) best = Math.min(best, Math.hypot(h - Math.floor(v / W), w - (v % W)));
        }
      }
      return best;
    };
    const expected = strip.reduce((a, v) => (depth(v) > depth(a) ? v : a), strip[0]!);
    expect(indexOf(r.fgSeeds)).toBe(expected);
    expect(interiorMostVoxel(Int32Array.from(strip), H * W, [H, W], [1, 1])).toBe(expected);
  });

  it('with minClicks 2 also clicks the next largest region, and is deterministic', () => {
    const a = simulateUser({ prediction, groundTruth: truth, shape: [H, W], rng: 7, minClicks: 2 });
    const b = simulateUser({ prediction, groundTruth: truth, shape: [H, W], rng: 7, minClicks: 2 });
    expect(a.fallbackClicks).toBe(2);
    expect(count(a.bgSeeds)).toBe(1);
    expect(indexOf(a.bgSeeds)).toBe(1 * W + 1); // centre of the 3×3 leak
    expect(a.fgSeeds).toEqual(b.fgSeeds);
  });

  it("adds nothing when the paper's rule already clicks, and never clicks a perfect result", () => {
    const big = rects([2, 18, 2, 22]);
    const r = simulateUser({ prediction: new Uint8Array(H * W), groundTruth: big, shape: [H, W], rng: 3, minClicks: 1 });
    expect(r.fallbackClicks).toBe(0);
    expect(count(r.fgSeeds)).toBe(Math.ceil(count(big) / 100));
    const none = simulateUser({ prediction: big, groundTruth: big, shape: [H, W], rng: 3, minClicks: 5 });
    expect(count(none.fgSeeds) + count(none.bgSeeds)).toBe(0);
  });

  it('finds the interior-most voxel of a 3D region with anisotropic spacing (brute force)', () => {
    const shape = [6, 7, 8] as const;
    const n = 6 * 7 * 8;
    const spacing = [3, 1, 1];
    const region: number[] = [];
    for (let d = 0; d < 5; d++) for (let h = 0; h < 6; h++) for (let w = 1; w < 8; w++) if (d + h + w < 13) region.push((d * 7 + h) * 8 + w);
    const inRegion = new Set(region);
    const depth = (v: number) => {
      let best = Infinity;
      const [a, b, c] = [Math.floor(v / 56), Math.floor(v / 8) % 7, v % 8];
      for (let x = -1; x <= 6; x++) {
        for (let y = -1; y <= 7; y++) {
          for (let z = -1; z <= 8; z++) {
            const inGrid = x >= 0 && x < 6 && y >= 0 && y < 7 && z >= 0 && z < 8;
            if (!(inGrid && inRegion.has((x * 7 + y) * 8 + z))) best = Math.min(best, Math.hypot((x - a) * 3, y - b, z - c));
          }
        }
      }
      return best;
    };
    const expected = region.reduce((a, v) => (depth(v) > depth(a) ? v : a), region[0]!);
    expect(interiorMostVoxel(Int32Array.from(region), n, shape, spacing)).toBe(expected);
  });
});

describe('refinement rounds', () => {
  it('keep the previous result in a round without clicks, or stop there', async () => {
    await tf.setBackend('cpu');
    const pnet = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 });
    const rnet = createRNet2D({ imageChannels: 1, channels: 4 });
    const image = Float32Array.from({ length: H * W }, (_, i) => Math.sin(i));
    const session = new InteractiveSession({ pnet, rnet });
    const volume = { data: image, shape: [H, W] as [number, number] };
    const first = await session.segment(volume);
    // The reference is P-Net's own mask: there is nothing to click.
    const truth = first.mask.slice();
    const kept = await runRounds({ session, volume, groundTruth: truth, rounds: 2, seed: 0, minClicks: 1 });
    expect(kept.map((r) => r.refined)).toEqual([false, false]);
    expect(kept[1]!.result.probability).toEqual(first.probability);
    const stopped = await runRounds({ session, volume, groundTruth: truth, rounds: 2, seed: 0, minClicks: 1, stopWhenNoClicks: true });
    expect(stopped).toEqual([]);
    // A reference that differs gets a click and a refinement.
    const flipped = truth.map((v, i) => (i === 10 * W + 12 ? 1 - v : v));
    const refined = await runRounds({ session, volume, groundTruth: flipped, rounds: 1, seed: 0, minClicks: 1 });
    expect(refined[0]!.refined).toBe(true);
    expect(refined[0]!.fgClicks + refined[0]!.bgClicks).toBe(1);
    pnet.dispose();
    rnet.dispose();
  });
});

describe('R-Net warm start from P-Net', () => {
  it('reproduces the P-Net output exactly whatever the extra input channels hold', async () => {
    await tf.setBackend('cpu');
    const pnet = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4, dropout: 0 });
    const rnet = createRNet2D({ imageChannels: 1, channels: 4, dropout: 0 });
    warmStartFromPNet(rnet, pnet);
    const image = tf.randomNormal([1, 16, 16, 1]);
    const extra = tf.randomUniform([1, 16, 16, 3]);
    const expected = await (pnet.predict(image) as tf.Tensor).data();
    const got = await (rnet.predict(tf.concat([image, extra], -1)) as tf.Tensor).data();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 5);
    const wider = createRNet2D({ imageChannels: 1, channels: 8 });
    expect(() => warmStartFromPNet(wider, pnet)).toThrow(/initFromPNet: .*use the P-Net's channels/);
    for (const m of [pnet, rnet, wider]) m.dispose();
    tf.dispose([image, extra]);
  });
});
