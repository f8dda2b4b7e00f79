import * as tf from '@tensorflow/tfjs-core';
import { DistanceMapCache, encodeInteractionsData, type GeodesicEncodingOptions, resolveEncoding } from './encode.js';
import { OptionError, SeedError, SessionStateError } from './errors.js';
import { checkLength, type GridShape, resolveSpacing, type Spacing, shapeSize } from './grid.js';
import { foregroundProbability, predictLogits, type SegmentationNetwork } from './network.js';
import { cropToRoi, pasteFromRoi, type Roi, validateRoi } from './roi.js';
import { type SeedInput, toSeedMask } from './seeds.js';

/** An image or volume: channels-last values, its grid shape and voxel spacing. */
export interface Volume {
  /** `channels` values per voxel, voxel order row-major over `shape`. */
  data: ArrayLike<number>;
  /** `[H, W]` or `[D, H, W]`. */
  shape: GridShape;
  /** Spacing per axis (mm); default all 1. */
  spacing?: Spacing;
  /** Image channels; default 1. */
  channels?: number;
}

/** What a CRF stage receives (all tensors cover the ROI only; the session disposes them). */
export interface CrfStageInput {
  /** Two-class logits from P-Net or R-Net, `[1, ...spatial, 2]`. */
  logits: tf.Tensor;
  /** The image, `[1, ...spatial, channels]`. */
  image: tf.Tensor;
  /** Voxel spacing per spatial axis. */
  spacing: number[];
  /** Foreground seed mask `[1, ...spatial, 1]` (CRF-Net(fu) only). */
  fgSeeds?: tf.Tensor;
  /** Background seed mask `[1, ...spatial, 1]` (CRF-Net(fu) only). */
  bgSeeds?: tf.Tensor;
}

/**
 * A CRF refinement step: returns refined two-class logits of the same shape. Build one from
 * `@deepigeos/crf-rnn` layers with {@link crfStage}, or pass any function.
 */
export type CrfStage = (input: CrfStageInput) => tf.Tensor | Promise<tf.Tensor>;

/** Options of {@link InteractiveSession}. */
export interface InteractiveSessionOptions {
  /** P-Net: image → two-class logits. */
  pnet: SegmentationNetwork;
  /** R-Net: image channels + 3 (see `encodeInteractions`) → two-class logits. */
  rnet: SegmentationNetwork;
  /** CRF-Net(f) after P-Net (optional). */
  crfF?: CrfStage;
  /** CRF-Net(fu) after R-Net, with the seeds as hard constraints (optional). */
  crfFU?: CrfStage;
  /** Distance-map encoding of the seeds (λ, iterations, normalisation). */
  geodesic?: GeodesicEncodingOptions;
  /**
   * Restrict all computation to this box (in the volume's axis order) for speed; voxels
   * outside are background with probability 0. Seeds must lie inside it.
   */
  roi?: Roi;
  /**
   * Most bytes the undo history may hold (results and seed masks of earlier steps). When a new
   * step would exceed it, the oldest steps are dropped first; the latest step is always kept, so
   * one undo stays possible. Default {@link DEFAULT_UNDO_MEMORY_BYTES} (256 MiB: about 8 refine
   * steps on a 128³ volume, one on 256³); 0 keeps only the latest step.
   */
  undoMemoryBytes?: number;
}

/** Default {@link InteractiveSessionOptions.undoMemoryBytes}: 256 MiB. */
export const DEFAULT_UNDO_MEMORY_BYTES = 256 * 2 ** 20;

/** What {@link InteractiveSession.undoHistory} reports about the undo history. */
export interface UndoHistoryInfo {
  /** Steps `undo()` can still revert. */
  steps: number;
  /** Bytes the history holds (arrays shared between steps counted once). */
  bytes: number;
  /** Steps dropped (oldest first) to stay within `undoMemoryBytes` since the last `segment()`. */
  dropped: number;
  /** The budget in bytes. */
  budget: number;
}

/** Milliseconds spent per stage of the last `segment()` or `refine()` call. */
export interface StageTimings {
  /** P-Net forward pass (segment only). */
  pnet?: number;
  /** CRF-Net(f) (segment only, when configured). */
  crfF?: number;
  /** Seed masks → normalised distance maps → R-Net input (refine only). */
  encode?: number;
  /** R-Net forward pass (refine only). */
  rnet?: number;
  /** CRF-Net(fu) (refine only, when configured). */
  crfFU?: number;
  /** Whole call. */
  total: number;
}

/** A segmentation produced by the session; arrays cover the whole volume. */
export interface SessionResult {
  /** Binary mask (1 = foreground): probability above 0.5. */
  mask: Uint8Array;
  /** Final foreground probability per voxel (seeded voxels are exactly 1 or 0 after a refinement). */
  probability: Float32Array;
  /** 0 after `segment()`, then 1, 2, … for each `refine()`. */
  round: number;
  /** Foreground probability of the network alone, before its CRF (P-Net or R-Net). */
  networkProbability: Float32Array;
  /** Foreground probability after the CRF stage, when one ran. */
  crfProbability?: Float32Array;
  /** Time per stage. */
  timings: StageTimings;
}

interface Snapshot {
  result: SessionResult;
  fg: Uint8Array;
  bg: Uint8Array;
}

/** Bytes held by snapshots, each array counted once (addSeeds steps share their result). */
function historyBytes(snapshots: readonly Snapshot[]): number {
  const seen = new Set<ArrayBufferView>();
  let bytes = 0;
  for (const { result, fg, bg } of snapshots) {
    for (const a of [result.mask, result.probability, result.networkProbability, result.crfProbability, fg, bg]) {
      if (a === undefined || seen.has(a)) continue;
      seen.add(a);
      bytes += a.byteLength;
    }
  }
  return bytes;
}

/** Runs `work` and returns its result and the elapsed milliseconds. */
async function timed<T>(work: () => T | Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

/** The ROI image as a `[1, ...roiShape, channels]` tensor. */
function imageTensor(v: { roiImage: Float32Array; roiShape: GridShape; channels: number }): tf.Tensor {
  return tf.tensor(v.roiImage, [1, ...v.roiShape, v.channels], 'float32');
}

/**
 * Network forward pass and the download of its foreground probability, timed together so the
 * stage time is right on asynchronous (GPU) backends too. The caller disposes the logits.
 */
async function runNetwork(network: SegmentationNetwork, x: tf.Tensor, name: string): Promise<[tf.Tensor, Float32Array]> {
  const logits = await predictLogits(network, x, name);
  return [logits, await foregroundProbability(logits)];
}

/** A CRF stage and the download of its foreground probability. */
async function runCrf(stage: CrfStage, input: CrfStageInput): Promise<Float32Array> {
  const refined = await stage(input);
  const probability = await foregroundProbability(refined);
  refined.dispose();
  return probability;
}

/** Registers a tensor for disposal at the end of {@link networkThenCrf}; returns it. */
type Own = <T extends tf.Tensor>(tensor: T) => T;

/**
 * One segmentation step: a network on `makeInput()`, then, when configured, a CRF stage on its
 * logits (its input built from the logits and the network's input). Every tensor made here is
 * disposed, also when a stage throws.
 */
async function networkThenCrf(
  network: { model: SegmentationNetwork; name: 'pnet' | 'rnet' },
  makeInput: (own: Own) => tf.Tensor,
  crf: { stage: CrfStage | undefined; name: 'crfF' | 'crfFU'; makeInput: (logits: tf.Tensor, networkInput: tf.Tensor, own: Own) => CrfStageInput },
): Promise<{ networkProbability: Float32Array; crfProbability: Float32Array | undefined; stages: Omit<StageTimings, 'total'> }> {
  const owned: tf.Tensor[] = [];
  const own: Own = (tensor) => {
    owned.push(tensor);
    return tensor;
  };
  try {
    const x = makeInput(own);
    const [[logits, networkProbability], networkMs] = await timed(() => runNetwork(network.model, x, network.name));
    own(logits);
    const stages: Omit<StageTimings, 'total'> = { [network.name]: networkMs };
    if (!crf.stage) return { networkProbability, crfProbability: undefined, stages };
    const stage = crf.stage;
    const [crfProbability, crfMs] = await timed(() => runCrf(stage, crf.makeInput(logits, x, own)));
    stages[crf.name] = crfMs;
    return { networkProbability, crfProbability, stages };
  } finally {
    tf.dispose(owned);
  }
}

/**
 * The DeepIGeoS interactive loop on one 2D image or 3D volume, in Node or the browser:
 *
 * ```ts
 * const session = new InteractiveSession({ pnet, rnet, crfF, crfFU });
 * await session.segment({ data, shape: [D, H, W], spacing });  // P-Net (+ CRF-Net(f))
 * await session.addSeeds('fg', [[12, 40, 33]]);                 // points or a mask
 * await session.addSeeds('bg', bgMask);
 * await session.refine();                                       // R-Net (+ CRF-Net(fu))
 * session.undo();                                               // back to before refine()
 * const { mask, probability, timings } = session.result();
 * ```
 *
 * Each `refine()` feeds R-Net the **latest** result's probability (not P-Net's) with every seed
 * added so far. `addSeeds` and `refine` can be undone one step at a time; `segment` starts over.
 */
export class InteractiveSession {
  private readonly options: InteractiveSessionOptions;
  private volume?: {
    image: Float32Array;
    /** The image cropped to the ROI (the same array each refinement, so distance maps can be cached). */
    roiImage: Float32Array;
    shape: GridShape;
    spacing: number[];
    channels: number;
    roi: Roi;
    roiShape: GridShape;
  };
  private mapCache = new DistanceMapCache();
  private current?: Snapshot;
  private readonly undoStack: Snapshot[] = [];
  private dropped = 0;
  private readonly undoBudget: number;

  constructor(options: InteractiveSessionOptions) {
    if (options === null || typeof options !== 'object') throw new OptionError('InteractiveSession needs an options object');
    for (const key of ['pnet', 'rnet'] as const) {
      if (typeof options[key]?.predict !== 'function') {
        throw new OptionError(`InteractiveSession options.${key} must be a network with predict() (e.g. a LayersModel)`);
      }
    }
    for (const key of ['crfF', 'crfFU'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'function') {
        throw new OptionError(`InteractiveSession options.${key} must be a CRF stage function (see crfStage())`);
      }
    }
    resolveEncoding(options.geodesic);
    const budget = options.undoMemoryBytes ?? DEFAULT_UNDO_MEMORY_BYTES;
    if (typeof budget !== 'number' || !(budget >= 0) || !Number.isFinite(budget)) {
      throw new OptionError(`InteractiveSession options.undoMemoryBytes must be a finite number of bytes ≥ 0; got ${JSON.stringify(budget)}`);
    }
    this.undoBudget = budget;
    this.options = options;
  }

  /** Checks a volume and prepares the session state for it (not committed yet). */
  private prepareVolume(volume: Volume): NonNullable<InteractiveSession['volume']> {
    const size = shapeSize(volume?.shape ?? [], 'volume.shape');
    const { shape } = volume;
    const channels = volume.channels ?? 1;
    if (!Number.isInteger(channels) || channels < 1) {
      throw new OptionError(`volume.channels must be a positive integer; got ${JSON.stringify(volume.channels)}`);
    }
    checkLength(volume.data, size, 'volume.data', channels);
    const spacing = resolveSpacing(volume.spacing, shape, 'volume.spacing');
    const roi = validateRoi(this.options.roi ?? { start: shape.map(() => 0), size: [...shape] }, shape, 'roi');
    const image = new Float32Array(volume.data);
    const roiImage = cropToRoi(image, shape, roi, channels);
    return { image, roiImage, shape, spacing, channels, roi, roiShape: [...roi.size] as unknown as GridShape };
  }

  /** Makes `state` the session's volume with `result` as round 0; clears seeds, history and cached maps. */
  private commit(state: NonNullable<InteractiveSession['volume']>, result: () => SessionResult): SessionResult {
    const previous = this.volume;
    this.volume = state;
    try {
      const first = result();
      this.undoStack.length = 0;
      this.dropped = 0;
      this.mapCache = new DistanceMapCache();
      const size = state.image.length / state.channels;
      this.current = { result: first, fg: new Uint8Array(size), bg: new Uint8Array(size) };
    } catch (e) {
      this.volume = previous;
      throw e;
    }
    return this.result();
  }

  /**
   * Starts from an existing segmentation instead of running P-Net: `probability` (foreground
   * probability or a 0/1 mask, one value per voxel of the whole volume) becomes the round-0
   * result that the next `refine()` improves. This is how a result saved earlier (a mask file, a
   * probability map) is refined later without re-running P-Net. Clears seeds and history.
   * Outside the ROI every later result keeps these values.
   */
  startFrom(volume: Volume, probability: ArrayLike<number>): SessionResult {
    const state = this.prepareVolume(volume);
    const size = state.image.length / state.channels;
    checkLength(probability, size, 'probability');
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const p = probability[i]!;
      if (!(p >= 0 && p <= 1)) throw new OptionError(`probability[${i}] = ${p} is not in [0, 1]`);
      values[i] = p;
    }
    return this.commit(state, () => this.makeResult(cropToRoi(values, state.shape, state.roi), undefined, 0, { total: 0 }, undefined, values));
  }

  /** Segments a new image or volume automatically with P-Net (+ CRF-Net(f)); clears seeds and history. */
  async segment(volume: Volume): Promise<SessionResult> {
    const state = this.prepareVolume(volume);
    const { spacing } = state;

    const started = performance.now();
    const { networkProbability, crfProbability, stages } = await networkThenCrf(
      { model: this.options.pnet, name: 'pnet' },
      (own) => own(imageTensor(state)),
      { stage: this.options.crfF, name: 'crfF', makeInput: (logits, image) => ({ logits, image, spacing }) },
    );
    const timings: StageTimings = { ...stages, total: performance.now() - started };
    // Commit the new volume only once everything ran, so a failure leaves the session as it was.
    return this.commit(state, () => this.makeResult(networkProbability, crfProbability, 0, timings));
  }

  /**
   * Adds foreground (`'fg'`) or background (`'bg'`) seeds, as `[h, w]` / `[d, h, w]` points or a
   * mask over the whole volume. A voxel seeded with both labels keeps the latest. Throws
   * `SeedError` for seeds outside the volume or the ROI.
   */
  async addSeeds(label: 'fg' | 'bg', seeds: SeedInput): Promise<void> {
    const { volume, current } = this.requireSegmented('addSeeds');
    if (label !== 'fg' && label !== 'bg') throw new OptionError(`addSeeds label must be 'fg' or 'bg'; got ${JSON.stringify(label)}`);
    const mask = toSeedMask(seeds, volume.shape, `${label} seeds`);
    const inRoi = cropToRoi(mask, volume.shape, volume.roi);
    const inside = inRoi.reduce((a, b) => a + b, 0);
    const total = mask.reduce((a, b) => a + b, 0);
    if (inside !== total) {
      throw new SeedError(`${total - inside} ${label} seed(s) lie outside the ROI ${JSON.stringify(volume.roi)}`);
    }
    const fg = current.fg.slice();
    const bg = current.bg.slice();
    const [add, other] = label === 'fg' ? [fg, bg] : [bg, fg];
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === 0) continue;
      add[i] = 1;
      other[i] = 0;
    }
    this.remember(current);
    this.current = { result: current.result, fg, bg };
  }

  /**
   * Refines the latest result with R-Net (+ CRF-Net(fu)) using every seed so far. The final
   * probability is exactly 1 at foreground seeds and 0 at background seeds.
   */
  async refine(): Promise<SessionResult> {
    const { volume, current } = this.requireSegmented('refine');
    const started = performance.now();
    const crop = <T extends Float32Array | Uint8Array>(a: T): T => cropToRoi(a, volume.shape, volume.roi);
    const fg = crop(current.fg);
    const bg = crop(current.bg);
    const [encoded, encodeMs] = await timed(() =>
      encodeInteractionsData({
        image: volume.roiImage,
        shape: volume.roiShape,
        spacing: volume.spacing,
        channels: volume.channels,
        probability: crop(current.result.probability),
        fgSeeds: fg,
        bgSeeds: bg,
        cache: this.mapCache,
        ...(this.options.geodesic === undefined ? {} : { geodesic: this.options.geodesic }),
      }),
    );
    const seedShape = [1, ...volume.roiShape, 1];
    const { networkProbability, crfProbability, stages } = await networkThenCrf(
      { model: this.options.rnet, name: 'rnet' },
      (own) => own(tf.tensor(encoded, [1, ...volume.roiShape, volume.channels + 3], 'float32')),
      {
        stage: this.options.crfFU,
        name: 'crfFU',
        makeInput: (logits, _encoded, own) => ({
          logits,
          image: own(imageTensor(volume)),
          spacing: volume.spacing,
          fgSeeds: own(tf.tensor(fg, seedShape, 'float32')),
          bgSeeds: own(tf.tensor(bg, seedShape, 'float32')),
        }),
      },
    );
    const timings: StageTimings = { encode: encodeMs, ...stages, total: performance.now() - started };
    const result = this.makeResult(networkProbability, crfProbability, current.result.round + 1, timings, { fg, bg }, current.result.probability);
    this.remember(current);
    this.current = { result, fg: current.fg, bg: current.bg };
    return this.result();
  }

  /**
   * Reverts the last `addSeeds` or `refine`. Returns false, changing nothing, when there is
   * nothing left to undo: no step since `segment()`, or the older steps were dropped to stay
   * within `undoMemoryBytes` ({@link InteractiveSession.undoHistory} tells which).
   */
  undo(): boolean {
    const previous = this.undoStack.pop();
    if (previous === undefined) return false;
    this.current = previous;
    return true;
  }

  /** The undo history's size: steps left, bytes held, steps dropped for the memory budget. */
  undoHistory(): UndoHistoryInfo {
    return { steps: this.undoStack.length, bytes: historyBytes(this.undoStack), dropped: this.dropped, budget: this.undoBudget };
  }

  /** Pushes a step, then drops the oldest ones while the history exceeds its budget (keeping the latest). */
  private remember(snapshot: Snapshot): void {
    this.undoStack.push(snapshot);
    while (this.undoStack.length > 1 && historyBytes(this.undoStack) > this.undoBudget) {
      this.undoStack.shift();
      this.dropped++;
    }
  }

  /** The latest segmentation (copies, safe to keep). */
  result(): SessionResult {
    const { current } = this.requireSegmented('result');
    const r = current.result;
    return {
      ...r,
      mask: r.mask.slice(),
      probability: r.probability.slice(),
      networkProbability: r.networkProbability.slice(),
      ...(r.crfProbability ? { crfProbability: r.crfProbability.slice() } : {}),
      timings: { ...r.timings },
    };
  }

  /** All seeds so far as masks over the whole volume. */
  seeds(): {
    /** Foreground seed mask. */
    fg: Uint8Array;
    /** Background seed mask. */
    bg: Uint8Array;
  } {
    const { current } = this.requireSegmented('seeds');
    return { fg: current.fg.slice(), bg: current.bg.slice() };
  }

  private requireSegmented(method: string): { volume: NonNullable<InteractiveSession['volume']>; current: Snapshot } {
    if (!this.volume || !this.current) throw new SessionStateError(`${method}() needs a segmentation: call segment(volume) first`);
    return { volume: this.volume, current: this.current };
  }

  /**
   * Pastes ROI probabilities into full-size arrays and applies the seeds as hard constraints.
   * Outside the ROI the values are `outside` (the previous result) or 0.
   */
  private makeResult(
    network: Float32Array,
    crf: Float32Array | undefined,
    round: number,
    timings: StageTimings,
    seeds?: { fg: Uint8Array; bg: Uint8Array },
    outside?: Float32Array,
  ): SessionResult {
    const v = this.volume!;
    const size = v.image.length / v.channels;
    const full = (roiValues: Float32Array) => pasteFromRoi(outside ? outside.slice() : new Float32Array(size), v.shape, v.roi, roiValues);
    const finalRoi = (crf ?? network).slice();
    if (seeds) {
      for (let i = 0; i < finalRoi.length; i++) {
        if (seeds.fg[i]) finalRoi[i] = 1;
        else if (seeds.bg[i]) finalRoi[i] = 0;
      }
    }
    const probability = full(finalRoi);
    const mask = new Uint8Array(size);
    for (let i = 0; i < size; i++) mask[i] = probability[i]! > 0.5 ? 1 : 0;
    return {
      mask,
      probability,
      round,
      networkProbability: full(network),
      ...(crf ? { crfProbability: full(crf) } : {}),
      timings,
    };
  }
}
