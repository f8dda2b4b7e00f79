// The undo history is bounded: every refine used to keep a full snapshot forever.
import { initBackend } from '@deepigeos/pnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { OptionError } from '../src/errors.js';
import { DEFAULT_UNDO_MEMORY_BYTES, InteractiveSession } from '../src/index.js';
import { SeedPullNet, ThresholdNet } from './helpers/fake-networks.js';
import { blobCase } from './helpers/synthetic.js';

beforeAll(async () => {
  await initBackend();
});

describe('InteractiveSession undo memory budget', () => {
  const c = blobCase(12, [32, 32], { blobs: 2, minRadius: 3, maxRadius: 6 });
  const volume = { data: c.image, shape: c.shape, spacing: [1, 1] };
  const voxels = 32 * 32;
  // One refine step holds mask (1 byte/voxel) + probability + network probability (4 + 4) + the
  // seed masks (1 + 1): 11 bytes per voxel.
  const refineStep = 11 * voxels;

  it('drops the oldest steps first, keeps the newest, and undo() reports when nothing is left', async () => {
    const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet(), undoMemoryBytes: 3 * refineStep });
    await session.segment(volume);
    const results = [];
    for (let i = 0; i < 10; i++) {
      await session.addSeeds(i % 2 ? 'bg' : 'fg', [[2 + 2 * i, 5]]);
      results.push((await session.refine()).probability);
    }
    const info = session.undoHistory();
    expect(info.bytes).toBeLessThanOrEqual(3 * refineStep);
    expect(info.steps).toBeGreaterThanOrEqual(3);
    expect(info.steps + info.dropped).toBe(20);
    expect(info.budget).toBe(3 * refineStep);
    // The newest steps undo in order, back to the latest results.
    expect(session.undo()).toBe(true); // refine 10
    expect(session.result().probability).toEqual(results[8]);
    let undone = 1;
    while (session.undo()) undone++;
    expect(undone).toBe(info.steps);
    expect(session.undoHistory().steps).toBe(0);
    expect(session.undo()).toBe(false);
  });

  it('a budget smaller than one step still keeps the latest step; the default is documented', async () => {
    const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet(), undoMemoryBytes: 0 });
    await session.segment(volume);
    await session.addSeeds('fg', [[16, 16]]);
    await session.refine();
    await session.addSeeds('bg', [[2, 2]]);
    expect(session.undoHistory().steps).toBe(1);
    expect(session.undo()).toBe(true);
    expect(session.undo()).toBe(false);
    expect(DEFAULT_UNDO_MEMORY_BYTES).toBe(256 * 2 ** 20);
    expect(new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() }).undoHistory().budget).toBe(DEFAULT_UNDO_MEMORY_BYTES);
  });

  it('rejects a bad budget', () => {
    for (const undoMemoryBytes of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number]) {
      expect(() => new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet(), undoMemoryBytes })).toThrowError(OptionError);
    }
  });
});
