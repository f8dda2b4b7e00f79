import { crfNetF, crfNetFU } from '@deepigeos/crf-rnn';
import { initBackend } from '@deepigeos/pnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { crfStage } from '../src/crf.js';
import { OptionError } from '../src/errors.js';
import { evaluateRefinement } from '../src/evaluate.js';
import { segmentationMetrics } from '../src/metrics.js';
import { InteractiveSession } from '../src/session.js';
import { simulateInteractions } from '../src/simulate.js';
import { SeedPullNet, ThresholdNet } from './helpers/fake-networks.js';
import { blobCase } from './helpers/synthetic.js';

beforeAll(async () => {
  await initBackend();
});

describe('evaluateRefinement', () => {
  const c = blobCase(21, [32, 32], { blobs: 2, minRadius: 4, maxRadius: 8 });
  const volume = { data: c.image, shape: c.shape, spacing: [1.5, 1] };

  it('reports metrics after P-Net, each CRF and each round, with the simulated seeds of each round', async () => {
    const session = new InteractiveSession({
      pnet: new ThresholdNet(),
      rnet: new SeedPullNet(),
      crfF: crfStage(crfNetF({ spacing: [1.5, 1] })),
      crfFU: crfStage(crfNetFU({ spacing: [1.5, 1] })),
    });
    const ev = await evaluateRefinement({ session, volume, groundTruth: c.truth, rounds: 2, rng: 9, mode: 'scribbles' });
    expect(ev.rounds).toHaveLength(2);
    expect(ev.crfF).toBeDefined();

    // Replay independently: P-Net metrics, then the first round's simulated user.
    const replay = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() });
    const first = await replay.segment(volume);
    expect(ev.pnet).toEqual(segmentationMetrics(first.networkProbability, c.truth, c.shape, volume.spacing));
    // The threshold "P-Net" segments both blobs: the distractor is a leak, so round 1 scribbles
    // background (strokes: more seed voxels than the ⌈N/100⌉ stroke count).
    expect(ev.rounds[0]!.seedsAdded.bg).toBeGreaterThan(1);
    for (const round of ev.rounds) {
      expect(round.crfFU).toBeDefined();
      for (const m of [round.rnet, round.crfFU!, round.final]) {
        expect(m.dice).toBeGreaterThanOrEqual(0);
        expect(m.dice).toBeLessThanOrEqual(1);
      }
    }
  });

  it('uses the simulated user on the latest result and counts its seeds', async () => {
    const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() });
    const ev = await evaluateRefinement({ session, volume, groundTruth: c.truth, rounds: 1, rng: 4 });
    const replay = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() });
    const first = await replay.segment(volume);
    const sim = simulateInteractions({ prediction: first.mask, groundTruth: c.truth, shape: c.shape, rng: 4 });
    const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
    expect(ev.rounds[0]!.seedsAdded).toEqual({ fg: count(sim.fgSeeds), bg: count(sim.bgSeeds) });
    await replay.addSeeds('fg', sim.fgSeeds);
    await replay.addSeeds('bg', sim.bgSeeds);
    const refined = await replay.refine();
    expect(ev.rounds[0]!.final).toEqual(segmentationMetrics(refined.probability, c.truth, c.shape, volume.spacing));
    expect(ev.rounds[0]!.rnet).toEqual(segmentationMetrics(refined.networkProbability, c.truth, c.shape, volume.spacing));
    expect(ev.crfF).toBeUndefined();
    expect(ev.rounds[0]!.crfFU).toBeUndefined();
  });

  it('rejects a bad round count and a mismatched ground truth', async () => {
    const session = new InteractiveSession({ pnet: new ThresholdNet(), rnet: new SeedPullNet() });
    await expect(evaluateRefinement({ session, volume, groundTruth: c.truth, rounds: -1 })).rejects.toThrow(OptionError);
    await expect(evaluateRefinement({ session, volume, groundTruth: new Uint8Array(5) })).rejects.toThrow(/groundTruth has 5 values; expected 1024/);
  });
});
