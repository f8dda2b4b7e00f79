import { crfNetF, crfNetFU } from '@deepigeos/crf-rnn';
import { initBackend } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { crfStage } from '../src/crf.js';
import { OptionError, SeedError, SessionStateError, ShapeError } from '../src/errors.js';
import type { SegmentationNetwork } from '../src/network.js';
import { InteractiveSession } from '../src/session.js';
import { channel, SeedPullNet, ThresholdNet } from './helpers/fake-networks.js';
import { blobCase } from './helpers/synthetic.js';

beforeAll(async () => {
  await initBackend();
});

const toBeClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol);
};

describe('InteractiveSession', () => {
  const c = blobCase(11, [24, 24], { blobs: 2, minRadius: 3, maxRadius: 6 });
  const volume = { data: c.image, shape: c.shape, spacing: [1, 1] };

  it('segments with P-Net, then refines the latest result with all seeds so far', async () => {
    const pnet = new ThresholdNet();
    const rnet = new SeedPullNet();
    const session = new InteractiveSession({ pnet, rnet });
    const first = await session.segment(volume);
    expect(first.round).toBe(0);
    expect(first.timings.pnet).toBeGreaterThanOrEqual(0);
    // P-Net result: sigmoid(6 · (image − 0.5)) per voxel.
    toBeClose(
      first.probability,
      Array.from(c.image, (v) => 1 / (1 + Math.exp(-6 * (v - 0.5)))),
      1e-5,
    );

    await session.addSeeds('bg', [[3, 3]]);
    const second = await session.refine();
    expect(second.round).toBe(1);
    // R-Net saw the P-Net probability (the latest result) in channel 1.
    toBeClose(channel(rnet.inputs[0]!, 4, 1), first.probability);

    await session.addSeeds('fg', [[12, 12]]);
    await session.refine();
    // Second refinement: R-Net saw the first refinement's result, not P-Net's, and both seeds.
    toBeClose(channel(rnet.inputs[1]!, 4, 1), second.probability);
    expect(channel(rnet.inputs[1]!, 4, 2)[12 * 24 + 12]).toBe(0); // G(fg) is 0 at the fg seed
    expect(channel(rnet.inputs[1]!, 4, 3)[3 * 24 + 3]).toBe(0); // G(bg) still 0 at the first bg seed
    const seeds = session.seeds();
    expect(seeds.fg[12 * 24 + 12]).toBe(1);
    expect(seeds.bg[3 * 24 + 3]).toBe(1);
    const t = session.result().timings;
    expect(Object.keys(t)).toEqual(['encode', 'rnet', 'total']);
  });

  it('undo restores the previous result and seeds step by step', async () => {
    const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() });
    const first = await session.segment(volume);
    await session.addSeeds('fg', [[20, 20]]);
    const refined = await session.refine();
    expect(refined.probability).not.toEqual(first.probability);
    expect(session.undo()).toBe(true); // undo refine
    expect(session.result().probability).toEqual(first.probability);
    expect(session.seeds().fg[20 * 24 + 20]).toBe(1);
    expect(session.undo()).toBe(true); // undo addSeeds
    expect(session.seeds().fg.every((v) => v === 0)).toBe(true);
    expect(session.undo()).toBe(false);
    expect(session.result().probability).toEqual(first.probability);
  });

  it('the final result honours every seed; CRF-Net(fu) itself honours every seed', async () => {
    const crfF = crfNetF({ spacing: [1, 1] });
    const crfFU = crfNetFU({ spacing: [1, 1] });
    // An R-Net that contradicts the user: it predicts the opposite of P-Net everywhere.
    const contrary = new ThresholdNet(-8);
    const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet: contrary, crfF: crfStage(crfF), crfFU: crfStage(crfFU) });
    const seg = await session.segment(volume);
    expect(seg.crfProbability).toBeDefined();
    expect(seg.timings.crfF).toBeGreaterThanOrEqual(0);
    const fgPoints = [
      [5, 5],
      [6, 17],
      [12, 12],
    ];
    const bgPoints = [
      [0, 0],
      [20, 3],
    ];
    await session.addSeeds('fg', fgPoints);
    await session.addSeeds('bg', bgPoints);
    const r = await session.refine();
    for (const [h, w] of fgPoints) {
      expect(r.crfProbability![h! * 24 + w!]).toBeGreaterThan(0.999);
      expect(r.probability[h! * 24 + w!]).toBe(1);
      expect(r.mask[h! * 24 + w!]).toBe(1);
    }
    for (const [h, w] of bgPoints) {
      expect(r.crfProbability![h! * 24 + w!]).toBeLessThan(0.001);
      expect(r.mask[h! * 24 + w!]).toBe(0);
    }
    expect(r.timings.crfFU).toBeGreaterThanOrEqual(0);
  });

  it('a failed segment() leaves the previous image, result and seeds in place', async () => {
    const inner = new ThresholdNet();
    // Fails on 5×5 inputs, like a network that rejects an input size.
    const picky = { predict: (x: Parameters<ThresholdNet['predict']>[0]) => (x.shape[1] === 5 ? inner.predict(tf.zeros([1, 4, 4, 1])) : inner.predict(x)) };
    const session = new InteractiveSession({ pnet: picky, rnet: new SeedPullNet() });
    const first = await session.segment(volume);
    await session.addSeeds('fg', [[4, 4]]);
    await expect(session.segment({ data: new Float32Array(25), shape: [5, 5] })).rejects.toThrow(/pnet must output two-class logits/);
    expect(session.result().probability).toEqual(first.probability);
    expect(session.seeds().fg[4 * 24 + 4]).toBe(1);
    await session.refine(); // still the 24×24 image
    expect(session.result().probability.length).toBe(576);
  });

  it('a later seed of the other label replaces an earlier one', async () => {
    const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() });
    await session.segment(volume);
    await session.addSeeds('fg', [[4, 4]]);
    await session.addSeeds('bg', [[4, 4]]);
    expect(session.seeds().fg[4 * 24 + 4]).toBe(0);
    expect(session.seeds().bg[4 * 24 + 4]).toBe(1);
  });

  it('runs on 3D volumes inside an ROI, equal to the full run there and background outside', async () => {
    const v3 = blobCase(5, [8, 16, 16], { blobs: 2, minRadius: 2, maxRadius: 5 });
    const volume3 = { data: v3.image, shape: v3.shape, spacing: [2, 1, 1] };
    const roi = { start: [1, 2, 3], size: [6, 12, 10] };
    const full = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() });
    const inRoi = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet(), roi });
    const a = await full.segment(volume3);
    const b = await inRoi.segment(volume3);
    for (let d = 0; d < 8; d++) {
      for (let h = 0; h < 16; h++) {
        for (let w = 0; w < 16; w++) {
          const i = (d * 16 + h) * 16 + w;
          const inside = d >= 1 && d < 7 && h >= 2 && h < 14 && w >= 3 && w < 13;
          expect(b.probability[i]).toBeCloseTo(inside ? a.probability[i]! : 0, 6);
        }
      }
    }
    await expect(inRoi.addSeeds('fg', [[0, 5, 5]])).rejects.toThrow(SeedError);
    await expect(inRoi.addSeeds('fg', [[0, 5, 5]])).rejects.toThrow(/outside the ROI/);
    await inRoi.addSeeds('fg', [[3, 8, 8]]);
    const refined = await inRoi.refine();
    expect(refined.probability[(3 * 16 + 8) * 16 + 8]).toBe(1);
    expect(refined.probability[0]).toBe(0);
  });

  it('startFrom() refines a given result without P-Net, keeping it outside the ROI', async () => {
    const v3 = blobCase(7, [8, 16, 16], { blobs: 2, minRadius: 2, maxRadius: 5 });
    const volume3 = { data: v3.image, shape: v3.shape, spacing: [2, 1, 1] };
    const roi = { start: [2, 4, 4], size: [4, 8, 8] };
    const pnet = new ThresholdNet();
    const rnet = new SeedPullNet();
    const session = new InteractiveSession({ pnet, rnet, roi });
    // A previous result: a mask that is foreground in one corner outside the ROI and in the ROI's centre.
    const previous = new Uint8Array(8 * 16 * 16);
    previous[0] = 1;
    previous[(4 * 16 + 8) * 16 + 8] = 1;
    const first = session.startFrom(volume3, previous);
    expect(first.round).toBe(0);
    expect(pnet.inputs).toHaveLength(0);
    toBeClose(first.probability, previous, 0);
    await session.addSeeds('bg', [[3, 5, 5]]);
    const refined = await session.refine();
    expect(pnet.inputs).toHaveLength(0);
    // R-Net saw the given result (cropped to the ROI) as the current segmentation.
    const seen = channel(rnet.inputs[0]!, 4, 1);
    expect(seen).toHaveLength(4 * 8 * 8);
    expect(seen[(2 * 8 + 4) * 8 + 4]).toBe(1);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(1);
    // Outside the ROI the given result is kept; the seed is honoured.
    expect(refined.probability[0]).toBe(1);
    expect(refined.probability[1]).toBe(0);
    expect(refined.probability[(3 * 16 + 5) * 16 + 5]).toBe(0);
    expect(() => session.startFrom(volume3, new Float32Array(5))).toThrow(ShapeError);
    expect(() => session.startFrom(volume3, new Float32Array(8 * 16 * 16).fill(2))).toThrow(/probability\[0\] = 2 is not in \[0, 1\]/);
    // A failed start leaves the session as it was.
    expect(session.result().round).toBe(1);
  });

  it('accepts networks whose predict is asynchronous, and rejects wrong-shaped logits', async () => {
    const syncNet = new SeedPullNet();
    const asyncNet = { predict: async (x: tf.Tensor) => syncNet.predict(x) };
    const run = async (rnet: SegmentationNetwork) => {
      const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet });
      await session.segment(volume);
      await session.addSeeds('fg', [[12, 12]]);
      return session.refine();
    };
    const before = tf.memory().numTensors;
    toBeClose((await run(asyncNet)).probability, (await run(new SeedPullNet())).probability, 0);
    expect(tf.memory().numTensors).toBe(before);
    const oneClass = { predict: (x: tf.Tensor) => tf.zeros([...x.shape.slice(0, -1), 1]) };
    await expect(run(oneClass)).rejects.toThrow(/rnet must output two-class logits of shape \[1,24,24,2\]/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad input with typed errors', async () => {
    expect(() => new InteractiveSession({ pnet: {} as never, rnet: new SeedPullNet() })).toThrow(OptionError);
    const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() });
    await expect(session.refine()).rejects.toThrow(SessionStateError);
    await expect(session.segment({ data: new Float32Array(10), shape: [4, 4] })).rejects.toThrow(ShapeError);
    await expect(session.segment({ data: new Float32Array(16), shape: [4, 4], spacing: [1] })).rejects.toThrow(/volume.spacing/);
    await session.segment(volume);
    await expect(session.addSeeds('fg', [[24, 0]])).rejects.toThrow(/lies outside the volume/);
    await expect(session.addSeeds('fg', new Uint8Array(10))).rejects.toThrow(/must have 576 values/);
    await expect(session.addSeeds('maybe' as 'fg', [[1, 1]])).rejects.toThrow(OptionError);
    expect(() => new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet(), roi: { start: [0, 0], size: [30, 5] } })).not.toThrow();
    const roiSession = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet(), roi: { start: [0, 0], size: [30, 5] } });
    await expect(roiSession.segment(volume)).rejects.toThrow(/roi axis 0/);
  });
});
