import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InteractiveSession } from '@deepigeos/rnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeedLabel } from '../src/scribbles.js';
import type { VolumeShape } from '../src/slices.js';
import { Workspace, WorkspaceStateError } from '../src/workspace.js';

const shape: VolumeShape = [4, 12, 12];
const size = 4 * 12 * 12;

/** A 1×1×1 conv net with fixed weights: logits = [0, Σ w_c·x_c + b] (a threshold classifier). */
function linearNet(inputChannels: number, weights: number[], bias: number): tfl.LayersModel {
  const input = tfl.input({ shape: [null, null, null, inputChannels] });
  const conv = tfl.layers.conv3d({ filters: 2, kernelSize: 1, useBias: true });
  const model = tfl.model({ inputs: input, outputs: conv.apply(input) as tfl.SymbolicTensor });
  const kernel = tf.tensor5d([...weights.flatMap((w) => [0, w])], [1, 1, 1, inputChannels, 2]);
  conv.setWeights([kernel, tf.tensor1d([0, bias])]);
  return model;
}

// Image: a bright 4 × 4 square (value 1) in every slice, 0 elsewhere.
const image = new Float32Array(size);
for (let d = 0; d < 4; d++) for (let h = 4; h < 8; h++) for (let w = 4; w < 8; w++) image[(d * 12 + h) * 12 + w] = 1;

let session: InteractiveSession;
beforeAll(async () => {
  await tf.setBackend('cpu');
  // P-Net: foreground where the image is bright. R-Net: keeps the previous probability
  // (channel 1 of [image, probability, G(fg), G(bg)]), so refinements differ only at seeds.
  session = new InteractiveSession({ pnet: linearNet(1, [20], -10), rnet: linearNet(4, [0, 20, 0, 0], -10) });
});

function newWorkspace(): Workspace {
  return new Workspace({ name: 'square', data: image, shape, spacing: [1, 1, 1] }, session);
}

describe('workspace with a real InteractiveSession', () => {
  it('refuses strokes before a segmentation and leaves no seed behind', async () => {
    const ws = newWorkspace();
    ws.scribbles.beginStroke(SeedLabel.foreground, 'axial', 0, 0);
    ws.scribbles.extendStroke(0, 0);
    await expect(ws.commitStroke(ws.scribbles.endStroke())).rejects.toThrow(WorkspaceStateError);
    expect(ws.seedCount(SeedLabel.foreground)).toBe(0);
    await expect(ws.refine()).rejects.toThrow(/segment the volume before refining/);
  });

  it('keeps scribbles, session seeds and the mask in step through strokes, refinements and undo', async () => {
    const ws = newWorkspace();
    const initial = await ws.segment();
    expect(ws.maskVoxels()).toBe(64);
    // A foreground dot at the axial pixel (0, 0) of slice 1 = voxel [1, 11, 0] (rows are flipped).
    ws.scribbles.beginStroke(SeedLabel.foreground, 'axial', 1, 0);
    ws.scribbles.extendStroke(0, 0);
    await ws.commitStroke(ws.scribbles.endStroke());
    expect(session.seeds().fg[(1 * 12 + 11) * 12]).toBe(1);
    // A background line over the square's top row on slice 2.
    ws.scribbles.beginStroke(SeedLabel.background, 'axial', 2, 0);
    ws.scribbles.extendStroke(4, 4);
    ws.scribbles.extendStroke(7, 4);
    await ws.commitStroke(ws.scribbles.endStroke());
    expect(Array.from(session.seeds().bg)).toEqual(Array.from(ws.scribbles.mask(SeedLabel.background)));

    const refined = await ws.refine();
    expect(refined.round).toBe(1);
    expect(ws.maskVoxels()).toBe(64 + 1 - 4);
    expect(ws.mask![(1 * 12 + 11) * 12]).toBe(1);

    expect(ws.undo()?.kind).toBe('refine');
    expect(ws.mask).toEqual(initial.mask);
    expect(ws.undo()?.kind).toBe('stroke');
    expect(session.seeds().bg.every((v) => v === 0)).toBe(true);
    expect(ws.seedCount(SeedLabel.background)).toBe(0);
    expect(Array.from(session.seeds().fg)).toEqual(Array.from(ws.scribbles.mask(SeedLabel.foreground)));
    expect(ws.undoDepth).toBe(1);

    // Refining again uses only the remaining foreground seed.
    await ws.refine();
    expect(ws.maskVoxels()).toBe(65);
    // Segmenting again starts over.
    await ws.segment();
    expect([ws.undoDepth, ws.seedCount(SeedLabel.foreground), ws.maskVoxels()]).toEqual([0, 0, 64]);
  });
});

describe('workspace with a session restricted to an ROI', () => {
  it('erases a stroke the session rejects, so scribbles and session seeds stay equal', async () => {
    const roiSession = new InteractiveSession({
      pnet: linearNet(1, [20], -10),
      rnet: linearNet(4, [0, 20, 0, 0], -10),
      roi: { start: [0, 2, 2], size: [4, 8, 8] },
    });
    const ws = new Workspace({ name: 'square', data: image, shape, spacing: [1, 1, 1] }, roiSession);
    await ws.segment();
    ws.scribbles.beginStroke(SeedLabel.background, 'axial', 0, 0);
    ws.scribbles.extendStroke(0, 0);
    await expect(ws.commitStroke(ws.scribbles.endStroke())).rejects.toThrow(/outside the ROI/);
    expect([ws.seedCount(SeedLabel.background), ws.undoDepth]).toEqual([0, 0]);
  });
});
