/**
 * Evaluation of a trained pipeline on labelled cases: Dice and ASSD after P-Net, after CRF-Net(f)
 * and after each of R simulated refinement rounds (R-Net + CRF-Net(fu)), per case and mean.
 * @module
 */
import { assd, dice, type SegmentationMetrics, segmentationMetrics } from '@deepigeos/rnet';
import type { LabelledImage } from '../data/augment.js';
import type { LoadedCase } from '../data/load.js';
import { createSession, foregroundBox, keySlice, pnetOnCase } from './infer.js';
import type { TrainedNet } from './networks.js';
import { runRounds } from './rounds.js';

/** Dice (in [0, 1]) and average symmetric surface distance (mm; null when undefined, e.g. an empty mask). */
export interface Score {
  dice: number;
  assd: number | null;
}

/** One case's scores. */
export interface CaseEvaluation {
  id: string;
  /** `'volume'`, or `'slice <axis>:<index>'` when a 2D pipeline is evaluated on a 3D case's key slice. */
  region: string;
  pnet: Score;
  /** After CRF-Net(f); null when the P-Net has no CRF stage. */
  pnetCrf: Score | null;
  /**
   * After each refinement round (final result of the round), with the clicks the simulated user
   * added (`fallbackClicks` of them by the `minClicks` fallback); a round without clicks keeps
   * the previous result (`refined: false`).
   */
  rounds: (Score & { fgSeeds: number; bgSeeds: number; fallbackClicks: number; refined: boolean; rnet: Score })[];
}

/** The `evaluate --json` document. */
export interface EvaluationReport {
  cases: CaseEvaluation[];
  mean: { pnet: Score; pnetCrf: Score | null; rounds: Score[] };
}

const score = (m: SegmentationMetrics): Score => ({ dice: m.dice, assd: Number.isFinite(m.assd) ? m.assd : null });

function scoreMask(prob: Float32Array, truth: Uint8Array, shape: number[], spacing: number[]): Score {
  const a = assd(prob, truth, shape as [number, number], spacing);
  return { dice: dice(prob, truth, shape as [number, number]), assd: Number.isFinite(a) ? a : null };
}

/** The region a pipeline of dimension `dim` evaluates on a case: the whole image or its key slice. */
export function evaluationRegion(c: LoadedCase, dim: 2 | 3, axis: 0 | 1 | 2): { sample: LabelledImage; region: string } {
  const sample = { image: c.image, label: c.label! };
  if (c.image.shape.length === dim) return { sample, region: dim === 3 ? 'volume' : 'image' };
  const { slice, index } = keySlice(sample, axis);
  return { sample: slice, region: `slice ${axis}:${index}` };
}

/** How the simulated user behaves in {@link evaluateCase}. */
export interface UserOptions {
  /** Fallback clicks per round (see `simulateUser`); 0 = the paper's rule alone. */
  minClicks: number;
  /** 3D: run the session inside the reference's bounding box grown by this many voxels; undefined = whole volume. */
  roiMargin?: number;
}

/** Evaluates one case. */
export async function evaluateCase(
  c: LoadedCase,
  pnet: TrainedNet,
  rnet: TrainedNet | undefined,
  rounds: number,
  seed: number,
  user: UserOptions = { minClicks: 0 },
): Promise<CaseEvaluation> {
  const { sample, region } = evaluationRegion(c, pnet.config.dim, pnet.config.sliceAxis);
  const { image, label } = sample;
  if (!rnet) {
    const r = await pnetOnCase(pnet, image);
    return {
      id: c.id,
      region,
      pnet: scoreMask(r.pnet, label, image.shape, image.spacing),
      pnetCrf: r.crf ? scoreMask(r.crf, label, image.shape, image.spacing) : null,
      rounds: [],
    };
  }
  const roi = image.shape.length === 3 && user.roiMargin !== undefined ? foregroundBox(label, image.shape, user.roiMargin) : undefined;
  const session = createSession(pnet, rnet, roi ? { roi } : {});
  const volume = { data: image.data, shape: image.shape as [number, number], spacing: image.spacing, channels: image.channels };
  const metrics = (p: Float32Array) => score(segmentationMetrics(p, label, volume.shape, volume.spacing));
  const first = await session.segment(volume);
  const done = await runRounds({ session, volume, groundTruth: label, rounds, seed, minClicks: user.minClicks });
  return {
    id: c.id,
    region,
    pnet: metrics(first.networkProbability),
    pnetCrf: first.crfProbability ? metrics(first.crfProbability) : null,
    rounds: done.map((r) => ({
      ...metrics(r.result.probability),
      fgSeeds: r.fgClicks,
      bgSeeds: r.bgClicks,
      fallbackClicks: r.fallbackClicks,
      refined: r.refined,
      rnet: metrics(r.result.networkProbability),
    })),
  };
}

/** Mean of scores (ASSD over the cases where it is defined; null if none). */
export function meanScore(scores: Score[]): Score {
  const d = scores.reduce((a, s) => a + s.dice, 0) / Math.max(scores.length, 1);
  const defined = scores.filter((s) => s.assd !== null);
  return { dice: d, assd: defined.length ? defined.reduce((a, s) => a + s.assd!, 0) / defined.length : null };
}

/** Per-case results → the report with means. */
export function summarise(cases: CaseEvaluation[]): EvaluationReport {
  const nRounds = Math.min(...cases.map((c) => c.rounds.length));
  return {
    cases,
    mean: {
      pnet: meanScore(cases.map((c) => c.pnet)),
      pnetCrf: cases.every((c) => c.pnetCrf) ? meanScore(cases.map((c) => c.pnetCrf!)) : null,
      rounds: Array.from({ length: Number.isFinite(nRounds) ? nRounds : 0 }, (_, r) => meanScore(cases.map((c) => c.rounds[r]!))),
    },
  };
}
