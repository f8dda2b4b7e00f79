import { type SegmentationMetrics, segmentationMetrics } from './metrics.js';
import type { InteractiveSession, SessionResult, Volume } from './session.js';
import { resolveRng, type SimulateOptions, simulateInteractions } from './simulate.js';
import type { Rng } from './rng.js';
import { OptionError } from './errors.js';
import { binarize, shapeSize } from './grid.js';

/** Options of {@link evaluateRefinement}. */
export interface EvaluateRefinementOptions {
  /** A session holding the models to evaluate (its previous state is discarded). */
  session: InteractiveSession;
  /** The case's image or volume. */
  volume: Volume;
  /** Reference segmentation (values above 0.5 are foreground). */
  groundTruth: ArrayLike<number>;
  /** Simulated refinement rounds; default 1. */
  rounds?: number;
  /** Random source or seed for the simulated user; default seed 0. */
  rng?: Rng | number;
  /** Simulated user mode; default `'clicks'`. */
  mode?: SimulateOptions['mode'];
}

/** Metrics of one refinement round. */
export interface RoundMetrics {
  /** Seeds the simulated user added this round. */
  seedsAdded: {
    /** Foreground seed voxels. */
    fg: number;
    /** Background seed voxels. */
    bg: number;
  };
  /** After R-Net alone (before CRF-Net(fu) and the hard seed constraint). */
  rnet: SegmentationMetrics;
  /** After CRF-Net(fu), when the session has one. */
  crfFU?: SegmentationMetrics;
  /** The round's final result (what the next round refines). */
  final: SegmentationMetrics;
}

/** Output of {@link evaluateRefinement}. */
export interface RefinementEvaluation {
  /** After P-Net alone. */
  pnet: SegmentationMetrics;
  /** After CRF-Net(f), when the session has one. */
  crfF?: SegmentationMetrics;
  /** One entry per round, in order. */
  rounds: RoundMetrics[];
}

/**
 * Runs the whole interactive protocol on one case with a simulated user: P-Net (+ CRF-Net(f)),
 * then `rounds` times: simulate seeds on the current result's errors (the paper's simulated user), add them,
 * refine. Returns Dice, IoU, ASSD and HD95 (with the volume's spacing) after every stage.
 */
export async function evaluateRefinement(options: EvaluateRefinementOptions): Promise<RefinementEvaluation> {
  const { session, volume } = options;
  const rounds = options.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 0) throw new OptionError(`rounds must be a non-negative integer; got ${JSON.stringify(options.rounds)}`);
  const truth = binarize(options.groundTruth, shapeSize(volume.shape, 'volume.shape'), 'groundTruth');
  const rng = resolveRng(options.rng);
  const score = (values: ArrayLike<number>) => segmentationMetrics(values, truth, volume.shape, volume.spacing);
  const stage = (probability: Float32Array | undefined) => (probability === undefined ? undefined : score(probability));

  let result: SessionResult = await session.segment(volume);
  const crfF = stage(result.crfProbability);
  const evaluation: RefinementEvaluation = { pnet: score(result.networkProbability), ...(crfF ? { crfF } : {}), rounds: [] };
  for (let r = 0; r < rounds; r++) {
    const { fgSeeds, bgSeeds } = simulateInteractions({
      prediction: result.mask,
      groundTruth: truth,
      shape: volume.shape,
      rng,
      ...(options.mode === undefined ? {} : { mode: options.mode }),
    });
    const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
    await session.addSeeds('fg', fgSeeds);
    await session.addSeeds('bg', bgSeeds);
    result = await session.refine();
    const crfFU = stage(result.crfProbability);
    evaluation.rounds.push({
      seedsAdded: { fg: count(fgSeeds), bg: count(bgSeeds) },
      rnet: score(result.networkProbability),
      ...(crfFU ? { crfFU } : {}),
      final: score(result.probability),
    });
  }
  return evaluation;
}
