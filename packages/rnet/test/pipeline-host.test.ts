// The worker's pipeline logic (run here in-process): networks loaded from model.json/weights.bin
// bytes, segmentation of a box, refinement inside a box that keeps the result outside it, seeds as
// hard constraints, progress, 2D networks slice by slice, and the training preprocessing.
import { crfNetF, crfNetFU } from '@deepigeos/crf-rnn';
import { createPNet2D, createPNet3D, initBackend } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { OptionError } from '../src/errors.js';
import { nonZeroBox, zScoreNonZero } from '../src/preprocess.js';
import { cropToRoi } from '../src/roi.js';
import { createRNet2D, createRNet3D } from '../src/rnet.js';
import { PipelineHost } from '../src/worker/host.js';
import type { NetworkFiles, PipelineProgress } from '../src/worker/protocol.js';
import { seedWeights } from './helpers/train.js';

beforeAll(async () => {
  await initBackend('cpu');
});

/** A model as the training commands save it (model.json content + weights.bin). */
async function files(model: tfl.LayersModel): Promise<NetworkFiles> {
  let out: NetworkFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weights = a.weightData as ArrayBuffer;
      out = { modelJson: { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs! }] }, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

/** A CRF layer wrapped in a one-layer model, as `crf/` holds it. */
async function crfFiles(layer: tfl.layers.Layer, rank: number): Promise<NetworkFiles> {
  const tflayers = await import('@tensorflow/tfjs-layers');
  const spatial = new Array(rank).fill(null);
  const logits = tflayers.input({ shape: [...spatial, 2] });
  const image = tflayers.input({ shape: [...spatial, 1] });
  const inputs = [logits, image];
  if (layer.getClassName() === 'CrfNetFU') inputs.push(tflayers.input({ shape: [...spatial, 1] }), tflayers.input({ shape: [...spatial, 1] }));
  const out = layer.apply(inputs) as tfl.SymbolicTensor;
  return files(tflayers.model({ inputs, outputs: out }));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function ball(shape: [number, number, number], centre: number[], r: number): Float32Array {
  const [D, H, W] = shape;
  const out = new Float32Array(D * H * W);
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const d2 = (z - centre[0]!) ** 2 + (y - centre[1]!) ** 2 + (x - centre[2]!) ** 2;
    out[(z * H + y) * W + x] = d2 <= r * r ? 2 : 1;
  }
  return out;
}

describe('PipelineHost (3D networks)', () => {
  const shape: [number, number, number] = [12, 14, 16];
  const n = shape[0] * shape[1] * shape[2];
  let host: PipelineHost;
  beforeAll(async () => {
    host = new PipelineHost();
    const pnet = seedWeights(createPNet3D({ inputChannels: 1, numClasses: 2, channels: 4 }), 1);
    const rnet = seedWeights(createRNet3D({ imageChannels: 1, channels: 4 }), 2);
    const info = await host.init({
      pnet: { model: await files(pnet), config: { dim: 3, patch: 8 }, crf: await crfFiles(crfNetF({ spacing: [1, 1, 1] }), 3) },
      rnet: { model: await files(rnet), config: { dim: 3, patch: 8 }, crf: await crfFiles(crfNetFU({ spacing: [1, 1, 1] }), 3) },
    }, { backend: 'cpu' });
    expect(info.backend).toBe('cpu');
    expect(info).toMatchObject({ channels: 1, dim: 3, description: '3D P-Net + R-Net + CRF-Net(f) + CRF-Net(fu)' });
    host.setVolume({ data: zScoreNonZero(ball(shape, [6, 7, 8], 4)), shape, spacing: [1, 1, 1], channels: 1 });
  }, 60_000);

  it('segments a box window by window with progress; outside the box is background', async () => {
    const progress: PipelineProgress[] = [];
    const roi = { start: [1, 2, 3], size: [10, 10, 10] };
    const r = await host.segment({ roi }, (p) => progress.push(p));
    expect(r.probability.length).toBe(n);
    const stages = new Set(progress.map((p) => p.stage));
    expect(stages).toEqual(new Set(['P-Net', 'CRF-Net(f)']));
    const pnet = progress.filter((p) => p.stage === 'P-Net');
    expect(pnet.at(-1)!.done).toBe(pnet.at(-1)!.total);
    expect(pnet.at(-1)!.total).toBe(8); // 10 voxels in windows of 8, half overlap: 2 starts per axis
    for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) {
      const inside = z >= 1 && z < 11 && y >= 2 && y < 12 && x >= 3 && x < 13;
      if (!inside) expect(r.probability[(z * shape[1] + y) * shape[2] + x]).toBe(0);
    }
    for (let i = 0; i < n; i++) expect(r.mask[i]).toBe(r.probability[i]! > 0.5 ? 1 : 0);
    expect(r.timings['pnet']).toBeGreaterThan(0);
  }, 60_000);

  it('refines inside the ROI only, seeds are hard constraints, seeds outside the ROI are ignored', async () => {
    const previous = new Float32Array(n).map((_, i) => (i % 7) / 7);
    const fg = new Uint8Array(n);
    const bg = new Uint8Array(n);
    const at = (z: number, y: number, x: number) => (z * shape[1] + y) * shape[2] + x;
    fg[at(6, 7, 8)] = 1;
    bg[at(3, 3, 4)] = 1;
    bg[at(0, 0, 0)] = 1; // outside the ROI
    const roi = { start: [2, 2, 3], size: [8, 9, 10] };
    const progress: PipelineProgress[] = [];
    const r = await host.refine({ probability: previous, fg, bg, roi }, (p) => progress.push(p));
    expect(r.probability[at(6, 7, 8)]).toBe(1);
    expect(r.probability[at(3, 3, 4)]).toBe(0);
    expect(r.probability[at(0, 0, 0)]).toBe(previous[at(0, 0, 0)]);
    let changedInside = 0;
    for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) {
      const i = at(z, y, x);
      const inside = z >= 2 && z < 10 && y >= 2 && y < 11 && x >= 3 && x < 13;
      if (!inside) expect(r.probability[i]).toBe(previous[i]);
      else if (r.probability[i] !== previous[i]) changedInside++;
    }
    expect(changedInside).toBeGreaterThan(100);
    expect(new Set(progress.map((p) => p.stage))).toEqual(new Set(['geodesic distance maps', 'R-Net', 'CRF-Net(fu)']));
  }, 60_000);

  it('ROI-sized arrays: the result covers the ROI and equals the whole-volume refinement there', async () => {
    const previous = new Float32Array(n).map((_, i) => ((i * 5) % 11) / 11);
    const fg = new Uint8Array(n);
    const bg = new Uint8Array(n);
    const at = (z: number, y: number, x: number) => (z * shape[1] + y) * shape[2] + x;
    fg[at(5, 6, 9)] = 1;
    bg[at(8, 10, 5)] = 1;
    const roi = { start: [3, 4, 2], size: [7, 8, 11] };
    const whole = await host.refine({ probability: previous, fg, bg, roi });
    const crop = <T extends Float32Array | Uint8Array>(a: T) => cropToRoi(a, shape, roi);
    const region = await host.refine({ probability: crop(previous), fg: crop(fg), bg: crop(bg), roi });
    expect(region.probability.length).toBe(7 * 8 * 11);
    expect(region.mask.length).toBe(7 * 8 * 11);
    expect(maxAbsDiff(region.probability, crop(whole.probability))).toBeLessThan(1e-6);
    expect(Array.from(region.mask)).toEqual(Array.from(crop(whole.mask)));
    // Extents that do not match each other (or neither the volume nor the ROI) are refused.
    await expect(host.refine({ probability: crop(previous), fg, bg, roi })).rejects.toThrow(/fg must be a Uint8Array of 2688 values \(the whole volume\) or of 616 \(the roi\)/);
    await expect(host.refine({ probability: crop(previous), fg: crop(fg), bg: crop(bg), roi: { start: [0, 0, 0], size: [7, 8, 11] } })).resolves.toBeDefined();
    await expect(host.refine({ probability: new Float32Array(615), fg: crop(fg), bg: crop(bg), roi })).rejects.toThrow(OptionError);
  }, 60_000);

  it('rejects wrong volumes and requests with typed errors', async () => {
    expect(() => host.setVolume({ data: new Float32Array(5), shape, spacing: [1, 1, 1], channels: 1 })).toThrow(OptionError);
    expect(() => host.setVolume({ data: new Float32Array(n * 2), shape, spacing: [1, 1, 1], channels: 2 })).toThrow(/1 image channel/);
    await expect(host.refine({ probability: new Float32Array(3), fg: new Uint8Array(n), bg: new Uint8Array(n), roi: { start: [0, 0, 0], size: shape } })).rejects.toThrow(OptionError);
    await expect(host.segment({ roi: { start: [0, 0, 0], size: [13, 1, 1] } })).rejects.toThrow(/roi/);
  });
});

describe('PipelineHost (2D networks)', () => {
  it('segments slice by slice and refines only the slices holding seeds', async () => {
    const host = new PipelineHost();
    await host.init({
      pnet: { model: await files(seedWeights(createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 }), 3)), config: { dim: 2 } },
      rnet: { model: await files(seedWeights(createRNet2D({ imageChannels: 1, channels: 4 }), 4)), config: { dim: 2 } },
    }, { backend: 'cpu' });
    const shape: [number, number, number] = [4, 10, 12];
    host.setVolume({ data: zScoreNonZero(ball(shape, [2, 5, 6], 3)), shape, spacing: [2, 1, 1], channels: 1 });
    const progress: PipelineProgress[] = [];
    const first = await host.segment({}, (p) => progress.push(p));
    expect(progress.at(-1)).toEqual({ stage: 'P-Net, slice by slice', done: 4, total: 4 });
    const fg = new Uint8Array(first.mask.length);
    fg[2 * 120 + 5 * 12 + 6] = 1;
    const r = await host.refine({ probability: first.probability, fg, bg: new Uint8Array(fg.length), roi: { start: [0, 0, 0], size: shape } });
    expect(r.probability[2 * 120 + 5 * 12 + 6]).toBe(1);
    for (const z of [0, 1, 3]) for (let i = z * 120; i < (z + 1) * 120; i++) expect(r.probability[i]).toBe(first.probability[i]);
    // The same refinement on ROI-sized arrays gives the ROI of the whole-volume result.
    const roi = { start: [1, 2, 3], size: [3, 7, 8] };
    const crop = <T extends Float32Array | Uint8Array>(a: T) => cropToRoi(a, shape, roi);
    const whole = await host.refine({ probability: first.probability, fg, bg: new Uint8Array(fg.length), roi });
    const region = await host.refine({ probability: crop(first.probability), fg: crop(fg), bg: new Uint8Array(3 * 7 * 8), roi });
    expect(maxAbsDiff(region.probability, crop(whole.probability))).toBeLessThan(1e-6);
  }, 60_000);

  it("test-time flips: 'auto' gives each slice the mean of P-Net's logits over the four flips, none for a net trained without flips; unknown modes are refused", async () => {
    const pnet = seedWeights(createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 }), 5);
    const networks = { pnet: { model: await files(pnet), config: { dim: 2 as const } }, rnet: { model: await files(seedWeights(createRNet2D({ imageChannels: 1, channels: 4 }), 6)), config: { dim: 2 as const } } };
    const host = new PipelineHost();
    await host.init(networks, { backend: 'cpu', testTimeFlips: 'auto' });
    const shape: [number, number, number] = [2, 9, 11];
    const data = zScoreNonZero(ball(shape, [1, 4, 6], 3));
    host.setVolume({ data, shape, spacing: [1, 1, 1], channels: 1 });
    const got = (await host.segment({})).probability;
    // Reference: the model itself on each slice, flipped, predicted, flipped back, logits averaged.
    const plane = shape[1] * shape[2];
    for (let z = 0; z < shape[0]; z++) {
      const expected = tf.tidy(() => {
        const x = tf.tensor(data.subarray(z * plane, (z + 1) * plane), [1, shape[1], shape[2], 1]);
        const flips = [[], [1], [2], [1, 2]];
        const sum = flips.map((f) => (f.length ? tf.reverse(pnet.predict(tf.reverse(x, f)) as tf.Tensor, f) : (pnet.predict(x) as tf.Tensor))).reduce((a, b) => tf.add(a, b));
        const [l0, l1] = tf.split(tf.div(sum, 4), 2, -1);
        return tf.sigmoid(tf.sub(l1!, l0!)).dataSync();
      });
      expect(maxAbsDiff(got.subarray(z * plane, (z + 1) * plane), expected)).toBeLessThan(1e-5);
    }
    // Without flips the result is P-Net's single pass, which differs for this asymmetric net.
    const once = new PipelineHost();
    await once.init(networks, { backend: 'cpu' });
    once.setVolume({ data, shape, spacing: [1, 1, 1], channels: 1 });
    const single = (await once.segment({})).probability;
    expect(maxAbsDiff(single, got)).toBeGreaterThan(1e-4);
    // 'auto' leaves a P-Net trained without flips (its config says so) to one pass, as the CLI does.
    const unflippedConfig = { dim: 2 as const, augment: { flipProbability: 0 } };
    const noFlipsTrained = new PipelineHost();
    await noFlipsTrained.init({ ...networks, pnet: { ...networks.pnet, config: unflippedConfig } }, { backend: 'cpu', testTimeFlips: 'auto' });
    noFlipsTrained.setVolume({ data, shape, spacing: [1, 1, 1], channels: 1 });
    expect(Array.from((await noFlipsTrained.segment({})).probability)).toEqual(Array.from(single));
    await expect(new PipelineHost().init(networks, { backend: 'cpu', testTimeFlips: 'mirror' as never })).rejects.toThrow(OptionError);
  }, 60_000);

  it('normalises a raw volume itself (normalize: true) exactly as zScoreNonZero with P-Net\'s clipping', async () => {
    const clip = [2, 98];
    const networks = {
      pnet: { model: await files(seedWeights(createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 }), 7)), config: { dim: 2 as const, preprocess: { clipPercentiles: clip } } },
      rnet: { model: await files(seedWeights(createRNet2D({ imageChannels: 1, channels: 4 }), 8)), config: { dim: 2 as const } },
    };
    const shape: [number, number, number] = [2, 9, 10];
    const raw = Float32Array.from(ball(shape, [1, 4, 5], 3), (v, i) => v * 100 + (i % 7));
    const [given, prepared] = [new PipelineHost(), new PipelineHost()];
    await given.init(networks, { backend: 'cpu' });
    await prepared.init(networks, { backend: 'cpu' });
    given.setVolume({ data: raw, shape, spacing: [1, 1, 1], channels: 1, normalize: true });
    prepared.setVolume({ data: zScoreNonZero(raw, 1, clip), shape, spacing: [1, 1, 1], channels: 1 });
    const [a, b] = [await given.segment({}), await prepared.segment({})];
    expect(Array.from(a.probability)).toEqual(Array.from(b.probability));
    expect(Array.from(raw.subarray(0, 3))).toEqual([100, 101, 102]); // the caller's array is left alone
  }, 60_000);

  it('refuses a 2D P-Net with a 3D R-Net and an R-Net with the wrong channel count', async () => {
    const host = new PipelineHost();
    const p2 = await files(createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 }));
    await expect(host.init({ pnet: { model: p2, config: { dim: 3 } }, rnet: { model: p2, config: { dim: 2 } } }, { backend: 'cpu' })).rejects.toThrow(/config.dim is 3/);
    await expect(host.init({ pnet: { model: p2, config: { dim: 2 } }, rnet: { model: p2, config: { dim: 2 } } }, { backend: 'cpu' })).rejects.toThrow(/R-Net takes 1 channels/);
  });
});

describe('preprocessing', () => {
  it('zScoreNonZero and nonZeroBox match hand-computed values', () => {
    const data = new Float32Array([0, 1, 3, 0, 0, 0]);
    expect(Array.from(zScoreNonZero(data))).toEqual([0, -1, 1, 0, 0, 0]);
    expect(nonZeroBox(data, [2, 3], 1, 0)).toEqual({ start: [0, 1], size: [1, 2] });
    expect(nonZeroBox(data, [2, 3], 1, 1)).toEqual({ start: [0, 0], size: [2, 3] });
    expect(nonZeroBox(new Float32Array(6), [2, 3])).toEqual({ start: [0, 0], size: [2, 3] });
    expect(() => zScoreNonZero(new Float32Array(5), 2)).toThrow(OptionError);
  });
});
