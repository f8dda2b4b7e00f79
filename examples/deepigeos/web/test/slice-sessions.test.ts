import '@tensorflow/tfjs-backend-cpu';
import { InteractiveSession, type InteractiveSessionOptions } from '@deepigeos/rnet';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeedLabel } from '../src/scribbles.js';
import { SliceSessions } from '../src/slice-sessions.js';
import { Workspace } from '../src/workspace.js';

const [D, H, W] = [4, 10, 12];
const slice = H * W;

/** A 1×1 conv net with fixed weights: logits = [0, Σ w_c·x_c + b]. */
function linearNet2D(weights: number[], bias: number): tfl.LayersModel {
  const input = tfl.input({ shape: [null, null, weights.length] });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 1 });
  const model = tfl.model({ inputs: input, outputs: conv.apply(input) as tfl.SymbolicTensor });
  conv.setWeights([tf.tensor4d(weights.flatMap((w) => [0, w]), [1, 1, weights.length, 2]), tf.tensor1d([0, bias])]);
  return model;
}

// A ramp image: P-Net (threshold at 0.5) segments the right half of every slice; R-Net follows the
// previous probability (so refinements differ from it only at seeds, and through the image term).
const image = Float32Array.from({ length: D * slice }, (_, i) => (i % W) / (W - 1) + 0.01 * Math.floor(i / slice));
let options: InteractiveSessionOptions;
beforeAll(async () => {
  await tf.setBackend('cpu');
  options = { pnet: linearNet2D([20], -10), rnet: linearNet2D([2, 10, 0, 0], -6) };
});

function sliceOf(data: Float32Array, d: number): Float32Array {
  return data.slice(d * slice, (d + 1) * slice);
}

describe('SliceSessions: 2D sessions per axial slice behind one volume session', () => {
  it('segments and refines exactly like independent 2D sessions on the seeded slices', async () => {
    const sessions = new SliceSessions(() => new InteractiveSession(options));
    const volume = { data: image, shape: [D, H, W] as [number, number, number], spacing: [3, 1, 1] };
    const segmented = await sessions.segment(volume);
    // Reference: one fresh 2D session per slice.
    const reference = [];
    for (let d = 0; d < D; d++) {
      const s = new InteractiveSession(options);
      await s.segment({ data: sliceOf(image, d), shape: [H, W], spacing: [1, 1] });
      reference.push(s);
    }
    for (let d = 0; d < D; d++) expect(segmented.mask.slice(d * slice, (d + 1) * slice)).toEqual(reference[d]!.result().mask);

    // Background seeds on slices 1 and 3 (a column at w = 9), one step.
    const seeds = new Uint8Array(D * slice);
    for (const d of [1, 3]) for (let h = 0; h < H; h++) seeds[d * slice + h * W + 9] = 1;
    await sessions.addSeeds('bg', seeds);
    const refined = await sessions.refine();
    expect(refined.round).toBe(1);
    for (let d = 0; d < D; d++) {
      if (d === 1 || d === 3) {
        await reference[d]!.addSeeds('bg', seeds.slice(d * slice, (d + 1) * slice));
        await reference[d]!.refine();
      }
      const want = reference[d]!.result();
      expect(refined.mask.slice(d * slice, (d + 1) * slice)).toEqual(want.mask);
      expect(refined.probability.slice(d * slice, (d + 1) * slice)).toEqual(want.probability);
    }
    expect(refined.mask[1 * slice + 9]).toBe(0);
    expect(segmented.mask[1 * slice + 9]).toBe(1);
    expect(refined.timings.rnet).toBeGreaterThan(0);

    // Undo the refinement, then the seeds: back to the P-Net result; refining again changes nothing.
    expect(sessions.undo()).toBe(true);
    expect(sessions.undo()).toBe(true);
    expect(sessions.undo()).toBe(false);
    expect((await sessions.refine()).mask).toEqual(segmented.mask);
  });

  it('drives the workspace: a coronal stroke seeds several axial slices and undoes cleanly', async () => {
    const ws = new Workspace({ name: 'ramp', data: image, shape: [D, H, W], spacing: [3, 1, 1] }, new SliceSessions(() => new InteractiveSession(options)));
    const initial = (await ws.segment()).mask;
    // Coronal view: columns = w, rows = d flipped; a vertical stroke at w = 10 over all slices.
    ws.scribbles.beginStroke(SeedLabel.background, 'coronal', 5, 0);
    ws.scribbles.extendStroke(10, 0);
    ws.scribbles.extendStroke(10, D - 1);
    await ws.commitStroke(ws.scribbles.endStroke());
    const refined = await ws.refine();
    for (let d = 0; d < D; d++) expect(refined.mask[d * slice + 5 * W + 10]).toBe(0);
    ws.undo();
    expect(ws.mask).toEqual(initial);
    ws.undo();
    expect(ws.seedCount(SeedLabel.background)).toBe(0);
  });

  it('rejects what it cannot run slice by slice', async () => {
    const sessions = new SliceSessions(() => new InteractiveSession(options));
    await expect(sessions.segment({ data: new Float32Array(slice), shape: [H, W] })).rejects.toThrow(/need a \[D, H, W\] volume/);
    await expect(sessions.addSeeds('fg', new Uint8Array(3))).rejects.toThrow(/call segment\(volume\) first/);
  });
});
