/**
 * Evaluation of a trained pipeline on labelled cases, as the interactive segmentation literature
 * reports it: Dice, ASSD and HD95 after P-Net, after CRF-Net(f) and after each simulated
 * refinement round (R-Net + CRF-Net(fu)), clicks and time per round, and NoC@85 / NoC@90 (clicks
 * needed to reach that Dice, capped at 20). A 2D pipeline on 3D cases is evaluated on every slice
 * that holds foreground and on the volume those slices stack into.
 * @module
 */
import { createRng, type SegmentationMetrics, segmentationMetrics } from '@deepigeos/rnet';
import type { LabelledImage } from '../data/augment.js';
import type { LoadedCase } from '../data/load.js';
import { extractSlice } from '../data/sampling.js';
import type { ImageVolume } from '../data/volume.js';
import { createSession, foregroundBox, keySlice, pnetOnCase } from './infer.js';
import type { TrainedNet } from './networks.js';
import { refineSegmentation } from './refine.js';
import { type RoundOutcome, runRounds } from './rounds.js';
import { simulateUser } from './simulated-user.js';

/** Dice (in [0, 1]), ASSD and HD95 (mm; null when undefined, e.g. an empty mask). */
export interface Score {
  dice: number;
  assd: number | null;
  hd95: number | null;
}

/** One refinement round's result. */
export interface RoundScore extends Score {
  /** Foreground / background clicks placed this round (fallback clicks included). */
  fgSeeds: number;
  bgSeeds: number;
  /** Of those, clicks placed by the `minClicks` fallback (or the one-click protocol). */
  fallbackClicks: number;
  /** Clicks of all rounds so far. */
  clicks: number;
  /** false when the user placed no click (the previous result is kept). */
  refined: boolean;
  /** Wall time of the round's refinement (seed encoding + R-Net + CRF-Net(fu)), seconds. */
  seconds: number;
  /** R-Net's own result, before CRF-Net(fu). */
  rnet: Score;
}

/** Scores of one evaluated image (a case, or one slice of it). */
export interface ImageEvaluation {
  pnet: Score;
  /** After CRF-Net(f); null when the P-Net has no CRF stage. */
  pnetCrf: Score | null;
  /** P-Net (+ CRF-Net(f)) wall time, seconds. */
  pnetSeconds: number;
  rounds: RoundScore[];
  /** Clicks needed to reach Dice ≥ 0.85 / 0.90 (0 = the automatic result already does); {@link NOC_CAP} when never reached or later. */
  noc85: number;
  noc90: number;
}

/** One case's scores. */
export interface CaseEvaluation extends ImageEvaluation {
  id: string;
  /** `'volume'` / `'image'`, or `'stacked N slices along axis A'` when a 2D pipeline is evaluated on a 3D case. */
  region: string;
  /** 2D pipeline on a 3D case: every slice holding foreground, refined on its own. */
  slices?: (ImageEvaluation & { index: number })[];
}

/** Means over cases (ASSD/HD95 over the cases where defined). */
export interface MeanEvaluation {
  pnet: Score;
  pnetCrf: Score | null;
  /** Mean P-Net (+ CRF-Net(f)) wall time, seconds. */
  pnetSeconds: number;
  rounds: (Score & { clicks: number; seconds: number })[];
  noc85: number;
  noc90: number;
}

/** The `evaluate --json` document. */
export interface EvaluationReport {
  /** How the simulated user clicked and how seeds were encoded. */
  settings: {
    protocol: UserProtocol;
    minClicks: number;
    encoding: 'geodesic' | 'euclidean';
    rounds: number;
    nocCap: number;
    refineMargin?: number;
    /** Spatial axes whose flips were averaged into P-Net's and R-Net's logits (`--tta`). */
    flipAxes?: { pnet: readonly number[]; rnet?: readonly number[] };
  };
  cases: CaseEvaluation[];
  mean: MeanEvaluation;
  /** 2D pipeline on 3D cases: means over all evaluated slices of all cases. */
  meanSlices?: MeanEvaluation;
}

/** Clicks counted at most in NoC@85 / NoC@90 (the literature's cap). */
export const NOC_CAP = 20;

/**
 * The simulated user's fewest clicks per round by default (`evaluate` and `demo`): a click at the
 * largest error when the paper's rule places none, as a person clicks the worst mistake.
 */
export const DEFAULT_MIN_CLICKS = 1;

const finite = (v: number) => (Number.isFinite(v) ? v : null);
const score = (m: SegmentationMetrics): Score => ({ dice: m.dice, assd: finite(m.assd), hd95: finite(m.hd95) });

/**
 * Clicks needed to reach Dice ≥ `threshold`: 0 if `initial` does, else the clicks so far at the
 * first round that does; {@link NOC_CAP} if none does or it took more clicks.
 */
export function clicksToReach(initial: number, rounds: readonly { dice: number; clicks: number }[], threshold: number): number {
  if (initial >= threshold) return 0;
  const hit = rounds.find((r) => r.dice >= threshold);
  return hit ? Math.min(hit.clicks, NOC_CAP) : NOC_CAP;
}

/** Simulated user: the paper's rule, or one click per round at the largest error. */
export type UserProtocol = 'paper' | 'single';

/** How the simulated user behaves in {@link evaluateCase}. */
export interface UserOptions {
  /** Fallback clicks per round (see `simulateUser`); 0 = the paper's rule alone. Ignored by `'single'`. */
  minClicks: number;
  /** `'paper'` (default): the paper's rule (+ `minClicks` fallback); `'single'`: one click per round at the interior-most voxel of the largest error region. */
  protocol?: UserProtocol;
  /** 3D: run the session inside the reference's bounding box grown by this many voxels; undefined = whole volume. */
  roiMargin?: number;
  /** Seed encoding: `'geodesic'` (the R-Net's training λ, default) or `'euclidean'` (λ = 0). */
  encoding?: 'geodesic' | 'euclidean';
  /**
   * Refine each round only inside the bounding box of that round's clicks grown by this many
   * voxels, keeping the previous result elsewhere — what `deepigeos refine` does; R-Net still
   * sees every seed so far inside the box. Undefined = the whole image (or the `roiMargin` box).
   */
  refineMargin?: number;
  /** Called after each evaluated image (progress): done, total of this case. */
  onImage?: (done: number, total: number) => void;
}

/** The region a pipeline of dimension `dim` shows of a case (the demo): the whole image or its key slice. */
export function evaluationRegion(c: LoadedCase, dim: 2 | 3, axis: 0 | 1 | 2): { sample: LabelledImage; region: string } {
  const sample = { image: c.image, label: c.label! };
  if (c.image.shape.length === dim) return { sample, region: dim === 3 ? 'volume' : 'image' };
  const { slice, index } = keySlice(sample, axis);
  return { sample: slice, region: `slice ${axis}:${index}` };
}

/** A round's probability maps and clicks, for stacking slices back into a volume. */
interface RoundMaps {
  probability: Float32Array;
  network: Float32Array;
  clicks: number;
  seconds: number;
  fgSeeds: number;
  bgSeeds: number;
  fallbackClicks: number;
  refined: boolean;
}

/**
 * Runs the interactive rounds on one image whose rank matches the nets. `start` gives P-Net's
 * result computed elsewhere (2D slices of a volume), so P-Net does not run twice.
 */
async function evaluateImage(
  image: ImageVolume,
  label: Uint8Array,
  pnet: TrainedNet,
  rnet: TrainedNet | undefined,
  rounds: number,
  seed: number,
  user: UserOptions,
  start?: { pnet: Float32Array; crf?: Float32Array; seconds: number },
): Promise<{ evaluation: ImageEvaluation; maps: RoundMaps[] }> {
  const volume = { data: image.data, shape: image.shape as [number, number], spacing: image.spacing, channels: image.channels };
  const metrics = (p: ArrayLike<number>) => score(segmentationMetrics(p, label, volume.shape, volume.spacing));
  const scoreStart = (first: { pnet: Float32Array; crf?: Float32Array; seconds: number }) => {
    const base = { pnet: metrics(first.pnet), pnetCrf: first.crf ? metrics(first.crf) : null, pnetSeconds: first.seconds };
    return { base, initialDice: (base.pnetCrf ?? base.pnet).dice };
  };
  if (!rnet || rounds === 0) {
    const t0 = performance.now();
    const { base, initialDice } = scoreStart(start ?? { ...(await pnetOnCase(pnet, image)), seconds: (performance.now() - t0) / 1000 });
    const noc = (t: number) => clicksToReach(initialDice, [], t);
    return { evaluation: { ...base, rounds: [], noc85: noc(0.85), noc90: noc(0.9) }, maps: [] };
  }
  // 3D with a box: P-Net sees only the box too, as when a user draws it before segmenting.
  const roi = image.shape.length === 3 && user.roiMargin !== undefined ? foregroundBox(label, image.shape, user.roiMargin) : undefined;
  const session = createSession(pnet, rnet, { ...(roi ? { roi } : {}), ...(user.encoding === 'euclidean' ? { lambda: 0 } : {}) });
  let first = start;
  if (first) {
    session.startFrom(volume, first.crf ?? first.pnet);
  } else {
    const r = await session.segment(volume);
    first = { pnet: r.networkProbability, ...(r.crfProbability ? { crf: r.crfProbability } : {}), seconds: r.timings.total / 1000 };
  }
  const { base, initialDice } = scoreStart(first);
  const single = user.protocol === 'single';
  const clicker = { minClicks: single ? 1 : user.minClicks, paperRule: !single };
  const maps: RoundMaps[] =
    user.refineMargin === undefined
      ? roundMaps(await runRounds({ session, volume, groundTruth: label, rounds, seed, ...clicker }))
      : await boxRounds(image, label, first.crf ?? first.pnet, rnet, rounds, seed, { ...clicker, margin: user.refineMargin, ...(user.encoding === 'euclidean' ? { lambda: 0 } : {}) });
  const scored = maps.map((m) => roundScore(m, metrics));
  return {
    evaluation: { ...base, rounds: scored, noc85: clicksToReach(initialDice, scored, 0.85), noc90: clicksToReach(initialDice, scored, 0.9) },
    maps,
  };
}

/** Session rounds → per-round maps with the clicks so far. */
function roundMaps(done: RoundOutcome[]): RoundMaps[] {
  let clicks = 0;
  return done.map((r) => {
    clicks += r.fgClicks + r.bgClicks;
    return { probability: r.result.probability, network: r.result.networkProbability, clicks, seconds: r.seconds, fgSeeds: r.fgClicks, bgSeeds: r.bgClicks, fallbackClicks: r.fallbackClicks, refined: r.refined };
  });
}

/**
 * Rounds as `deepigeos refine` runs them: each round R-Net (+ CRF-Net(fu)) refines only the box
 * around that round's clicks (+ `margin`), with every seed so far; elsewhere the result is kept.
 */
async function boxRounds(
  image: ImageVolume,
  label: Uint8Array,
  initial: Float32Array,
  rnet: TrainedNet,
  rounds: number,
  seed: number,
  options: { minClicks: number; paperRule: boolean; margin: number; lambda?: number },
): Promise<RoundMaps[]> {
  const rng = createRng(seed);
  const size = label.length;
  const fg = new Uint8Array(size);
  const bg = new Uint8Array(size);
  let current = { probability: initial, network: initial };
  let clicks = 0;
  const maps: RoundMaps[] = [];
  for (let r = 1; r <= rounds; r++) {
    const user = simulateUser({ prediction: current.probability, groundTruth: label, shape: image.shape as [number, number], spacing: image.spacing, rng, ...options });
    let fgClicks = 0;
    let bgClicks = 0;
    for (let i = 0; i < size; i++) {
      // A later click of the other label replaces an earlier one, as in a session.
      if (user.fgSeeds[i]) [fg[i], bg[i], fgClicks] = [1, 0, fgClicks + 1];
      if (user.bgSeeds[i]) [bg[i], fg[i], bgClicks] = [1, 0, bgClicks + 1];
    }
    const started = performance.now();
    const refined = fgClicks + bgClicks > 0;
    if (refined) {
      const out = await refineSegmentation({
        image,
        init: current.probability,
        fg,
        bg,
        boxSeeds: { fg: user.fgSeeds, bg: user.bgSeeds },
        rnet,
        roiMargin: options.margin,
        ...(options.lambda === undefined ? {} : { lambda: options.lambda }),
      });
      current = { probability: out.probability, network: out.networkProbability };
    }
    clicks += fgClicks + bgClicks;
    const seconds = refined ? (performance.now() - started) / 1000 : 0;
    maps.push({ ...current, clicks, seconds, fgSeeds: fgClicks, bgSeeds: bgClicks, fallbackClicks: user.fallbackClicks, refined });
  }
  return maps;
}

function roundScore(m: RoundMaps, metrics: (p: ArrayLike<number>) => Score): RoundScore {
  return {
    ...metrics(m.probability),
    fgSeeds: m.fgSeeds,
    bgSeeds: m.bgSeeds,
    fallbackClicks: m.fallbackClicks,
    clicks: m.clicks,
    refined: m.refined,
    seconds: m.seconds,
    rnet: metrics(m.network),
  };
}

/** Strides and the two in-plane axes of a `[D, H, W]` grid for slicing along `axis`. */
function sliceIndexer(shape: readonly number[], axis: number): (index: number, k: number) => number {
  const strides = [shape[1]! * shape[2]!, shape[2]!, 1];
  const [u, v] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  const width = shape[v]!;
  return (index, k) => index * strides[axis]! + Math.floor(k / width) * strides[u]! + (k % width) * strides[v]!;
}

/**
 * A 2D pipeline on a 3D case: P-Net (+ CRF-Net(f)) on every slice along the net's slice axis;
 * interactive rounds on every slice that holds foreground (each its own session and simulated
 * user); the volume scored with those slices' results stacked back (slices without foreground
 * keep P-Net's result).
 */
async function evaluateSlices(
  c: LoadedCase,
  pnet: TrainedNet,
  rnet: TrainedNet | undefined,
  rounds: number,
  seed: number,
  user: UserOptions,
): Promise<CaseEvaluation> {
  const { image } = c;
  const label = c.label!;
  const axis = pnet.config.sliceAxis;
  const t0 = performance.now();
  const whole = await pnetOnCase(pnet, image);
  const pnetSeconds = (performance.now() - t0) / 1000;
  const at = sliceIndexer(image.shape, axis);
  const sliceSize = label.length / image.shape[axis]!;
  const take = (values: Float32Array, index: number) => Float32Array.from({ length: sliceSize }, (_, k) => values[at(index, k)]!);
  const put = (target: Float32Array, index: number, values: Float32Array) => {
    for (let k = 0; k < sliceSize; k++) target[at(index, k)] = values[k]!;
  };
  const withForeground = Array.from({ length: image.shape[axis]! }, (_, s) => s).filter((s) => {
    for (let k = 0; k < sliceSize; k++) if (label[at(s, k)]) return true;
    return false;
  });
  const initial = whole.crf ?? whole.pnet;
  const stacked: RoundMaps[] = [];
  const slices: (ImageEvaluation & { index: number })[] = [];
  for (const [n, s] of withForeground.entries()) {
    const slice = extractSlice({ image, label }, axis, s);
    const start = { pnet: take(whole.pnet, s), ...(whole.crf ? { crf: take(whole.crf, s) } : {}), seconds: (pnetSeconds * sliceSize) / label.length };
    const { evaluation, maps } = await evaluateImage(slice.image, slice.label, pnet, rnet, rounds, seed + s, user, start);
    slices.push({ index: s, ...evaluation });
    maps.forEach((m, r) => {
      const v = (stacked[r] ??= { probability: initial.slice(), network: initial.slice(), clicks: 0, seconds: 0, fgSeeds: 0, bgSeeds: 0, fallbackClicks: 0, refined: false });
      put(v.probability, s, m.probability);
      put(v.network, s, m.network);
      v.clicks += m.clicks;
      v.seconds += m.seconds;
      v.fgSeeds += m.fgSeeds;
      v.bgSeeds += m.bgSeeds;
      v.fallbackClicks += m.fallbackClicks;
      v.refined ||= m.refined;
    });
    user.onImage?.(n + 1, withForeground.length);
  }
  const metrics = (p: ArrayLike<number>) => score(segmentationMetrics(p, label, image.shape as [number, number, number], image.spacing));
  const pnetScore = metrics(whole.pnet);
  const pnetCrf = whole.crf ? metrics(whole.crf) : null;
  const scored = stacked.map((m) => roundScore(m, metrics));
  const initialDice = (pnetCrf ?? pnetScore).dice;
  return {
    id: c.id,
    region: `stacked ${image.shape[axis]} slices along axis ${axis} (rounds on the ${withForeground.length} with foreground)`,
    pnet: pnetScore,
    pnetCrf,
    pnetSeconds,
    rounds: scored,
    noc85: clicksToReach(initialDice, scored, 0.85),
    noc90: clicksToReach(initialDice, scored, 0.9),
    slices,
  };
}

/** Evaluates one case: the whole image when its rank matches the nets, else every foreground slice and their stack. */
export async function evaluateCase(
  c: LoadedCase,
  pnet: TrainedNet,
  rnet: TrainedNet | undefined,
  rounds: number,
  seed: number,
  user: UserOptions = { minClicks: DEFAULT_MIN_CLICKS },
): Promise<CaseEvaluation> {
  if (c.image.shape.length !== pnet.config.dim) return evaluateSlices(c, pnet, rnet, rounds, seed, user);
  const { evaluation } = await evaluateImage(c.image, c.label!, pnet, rnet, rounds, seed, user);
  user.onImage?.(1, 1);
  return { id: c.id, region: pnet.config.dim === 3 ? 'volume' : 'image', ...evaluation };
}

/** Mean of scores (ASSD and HD95 over the cases where they are defined; null if none). */
export function meanScore(scores: Score[]): Score {
  const mean = (values: (number | null)[]) => {
    const defined = values.filter((v): v is number => v !== null);
    return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
  };
  return { dice: mean(scores.map((s) => s.dice)) ?? 0, assd: mean(scores.map((s) => s.assd)), hd95: mean(scores.map((s) => s.hd95)) };
}

/** Means over images (cases or slices). */
export function meanEvaluation(items: ImageEvaluation[]): MeanEvaluation {
  const nRounds = items.length ? Math.min(...items.map((c) => c.rounds.length)) : 0;
  const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1);
  return {
    pnet: meanScore(items.map((c) => c.pnet)),
    pnetCrf: items.length && items.every((c) => c.pnetCrf) ? meanScore(items.map((c) => c.pnetCrf!)) : null,
    pnetSeconds: avg(items.map((c) => c.pnetSeconds)),
    rounds: Array.from({ length: nRounds }, (_, r) => ({
      ...meanScore(items.map((c) => c.rounds[r]!)),
      clicks: avg(items.map((c) => c.rounds[r]!.clicks)),
      seconds: avg(items.map((c) => c.rounds[r]!.seconds)),
    })),
    noc85: avg(items.map((c) => c.noc85)),
    noc90: avg(items.map((c) => c.noc90)),
  };
}

/** Per-case results → the report with means. */
export function summarise(cases: CaseEvaluation[], settings: EvaluationReport['settings']): EvaluationReport {
  const slices = cases.flatMap((c) => c.slices ?? []);
  return { settings, cases, mean: meanEvaluation(cases), ...(cases.some((c) => c.slices) ? { meanSlices: meanEvaluation(slices) } : {}) };
}
