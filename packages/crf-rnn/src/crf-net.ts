// CRF-Net(f) and CRF-Net(fu) of DeepIGeoS (Wang et al., TPAMI 2019): mean-field CRFs whose
// pairwise potential is a learned Pairwise-Net over a local window, unrolled as tfjs layers.
import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers, type Shape } from '@tensorflow/tfjs-layers';
import { binaryMeanField } from './binary-mean-field.js';
import { binaryMeanFieldWasm } from './binary-mean-field-wasm.js';
import { ArgumentError, ShapeError, requireInteger, requirePositive } from './errors.js';
import { withKernels } from './kernels.js';
import { localMessenger } from './local-message.js';
import { meanField } from './mean-field.js';
import { paddedGeometry } from './padded.js';
import { type PairwiseTable, type PairwiseWeights, pairwiseTable, pairwiseWeightMap, tabulatedWeightMap } from './pairwise-net.js';
import { checkCrfInputs, checkSeeds, resolveSpacing } from './validate.js';
import { type WindowOffsets, windowOffsets } from './window.js';

/** Binary seed masks `[N, ...spatial, 1]` of CRF-Net(fu). */
export interface SeedMasks {
  fg: tf.Tensor;
  bg: tf.Tensor;
}

/** Seed masks with the logit magnitude CRF-Net(fu) writes at seeded voxels (argument of `CrfNetF.refine`). */
export interface SeedConstraint extends SeedMasks {
  logit: number;
}

/** Replaces the logits at seeded voxels by ±logit (+ for the seed label), differentiably. */
function seedLogits(logits: tf.Tensor, { fg, bg, logit }: SeedConstraint): tf.Tensor {
  const seeded = tf.add(fg, bg);
  const free = tf.sub(1, seeded);
  const target = tf.concat([bg, fg], -1);
  return tf.add(tf.mul(logits, free), tf.mul(tf.sub(tf.mul(target, 2), seeded), logit));
}

/** Clamps Q `[N, ...spatial, 2]` to (bg, fg) = (1, 0) / (0, 1) at seeded voxels. */
function seedClamp({ fg, bg }: SeedMasks): (q: tf.Tensor) => tf.Tensor {
  const free = tf.sub(1, tf.add(fg, bg));
  const target = tf.concat([bg, fg], -1);
  return (q: tf.Tensor) => tf.add(tf.mul(q, free), target);
}

/** Base arguments of any tfjs-layers layer (name, trainable, ...). */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/** Options of {@link CrfNetF} (all optional). */
export interface CrfNetFOptions extends BaseLayerArgs {
  /** Odd window size per spatial axis in `[D,] H, W` order. Default `[5, 5]` in 2D, `[3, 5, 5]` in 3D. */
  window?: number[];
  /** Voxel spacing in `[D,] H, W` order, scaling the offsets fed to the Pairwise-Net. Default all 1. */
  spacing?: number[];
  /** Hidden layer widths of the Pairwise-Net. Default `[16, 8]`. */
  hiddenUnits?: number[];
  /**
   * Outside training and gradient tapes, single-channel images get the Pairwise-Net tabulated
   * over this many intensity-difference bins per offset and interpolated (much faster on large
   * volumes; differs from the exact MLP by < 1e-3). Used when the batch has more voxels than
   * bins; 0 disables. Default 2048.
   */
  tableBins?: number;
  /** Mean-field iterations when called with `training: true` (e.g. inside `model.fit`). Default 5. */
  trainIterations?: number;
  /** Mean-field iterations otherwise (predict, direct `apply`). Default 10. */
  inferenceIterations?: number;
  /** Initial compatibility is `−pottsWeight · I` (Potts). Default 2. */
  pottsWeight?: number;
}

/** Options of {@link CrfNetFU}. */
export interface CrfNetFUOptions extends CrfNetFOptions {
  /** Logit magnitude written at seeded voxels of the output (+ for the seed label, − otherwise). Default 10. */
  seedLogit?: number;
}

/**
 * CRF-Net(f): a CRF with a free-form learned pairwise potential, unrolled as mean-field iterations.
 * Called on `[unaryLogits, image]` (`[N, H, W, L]` + `[N, H, W, C]`, or the 3D `[N, D, H, W, *]`
 * forms); returns refined logits of the unaries' shape. Pairwise weights f(I(x+o) − I(x), o·spacing)
 * come from the Pairwise-Net (an MLP, sigmoid output) for every offset o of a local window; the
 * message of label l is the window average of f·Q(l); the label compatibility μ is learned
 * (init Potts). Gradients reach the unaries, the image and all weights.
 *
 * @example
 * ```ts
 * const crf = crfNetF({ spacing: [1, 1] });
 * const refined = crf.apply([logits, image]) as tf.Tensor; // [1, H, W, 2]
 * ```
 */
export class CrfNetF extends layers.Layer {
  /** Class name under which the layer is registered for serialisation. */
  static className = 'CrfNetF';
  protected readonly options: Required<Omit<CrfNetFOptions, keyof BaseLayerArgs | 'window' | 'spacing'>> &
    Pick<CrfNetFOptions, 'window' | 'spacing'>;
  protected kernels: LayerVariable[] = [];
  protected biases: LayerVariable[] = [];
  protected compatibility: LayerVariable | null = null;
  protected offsets: WindowOffsets | null = null;
  protected windowSize: number[] = [];
  protected spacingResolved: number[] = [];

  /** @param options - see {@link CrfNetFOptions} */
  constructor(options: CrfNetFOptions = {}) {
    super(options);
    const { window, spacing, hiddenUnits = [16, 8], trainIterations = 5, inferenceIterations = 10, pottsWeight = 2, tableBins = 2048 } =
      options;
    const layer = (this.constructor as typeof CrfNetF).className;
    requireInteger(`${layer}: trainIterations`, trainIterations, 1);
    requireInteger(`${layer}: inferenceIterations`, inferenceIterations, 1);
    requirePositive(`${layer}: pottsWeight`, pottsWeight);
    if (tableBins !== 0) requireInteger(`${layer}: tableBins`, tableBins, 2);
    if (!Array.isArray(hiddenUnits)) throw new ArgumentError(`${layer}: hiddenUnits must be an array of integers >= 1`);
    for (const [i, h] of hiddenUnits.entries()) requireInteger(`${layer}: hiddenUnits[${i}]`, h, 1);
    if (window !== undefined) windowOffsets(window);
    this.options = { window, spacing, hiddenUnits: [...hiddenUnits], trainIterations, inferenceIterations, pottsWeight, tableBins };
  }

  /** Input names used in error messages. */
  protected inputNames(): readonly string[] {
    return ['unaryLogits', 'image'];
  }

  /** Creates the Pairwise-Net and compatibility weights from the input shapes. */
  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as (number | null)[][];
    const layer = this.getClassName();
    if (!Array.isArray(shapes[0]) || shapes.length !== this.inputNames().length) {
      throw new ShapeError(`${layer}: expected ${this.inputNames().length} inputs [${this.inputNames().join(', ')}]`);
    }
    const rank = shapes[0].length - 2;
    if (rank !== 2 && rank !== 3) throw new ShapeError(`${layer}: unaryLogits must have rank 4 or 5, got ${shapes[0].length}`);
    const labels = shapes[0][rank + 1];
    const channels = shapes[1]![rank + 1];
    if (typeof labels !== 'number' || typeof channels !== 'number') {
      throw new ShapeError(`${layer}: the label axis of unaryLogits and the channel axis of image must be known at build time`);
    }
    this.windowSize = this.options.window ?? (rank === 2 ? [5, 5] : [3, 5, 5]);
    if (this.windowSize.length !== rank) {
      throw new ArgumentError(`${layer}: window must have ${rank} sizes for ${rank}D inputs, got ${JSON.stringify(this.windowSize)}`);
    }
    this.offsets = windowOffsets(this.windowSize);
    this.spacingResolved = resolveSpacing(layer, this.options.spacing, rank);
    const widths = [channels + rank, ...this.options.hiddenUnits, 1];
    this.kernels = [];
    this.biases = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      this.kernels.push(
        this.addWeight(`pairwise_kernel_${i}`, [widths[i]!, widths[i + 1]!], 'float32', initializers.glorotUniform({ seed: 17 + i })),
      );
      this.biases.push(this.addWeight(`pairwise_bias_${i}`, [widths[i + 1]!], 'float32', initializers.zeros()));
    }
    this.compatibility = this.addWeight(
      'compatibility',
      [labels, labels],
      'float32',
      initializers.identity({ gain: -this.options.pottsWeight }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }

  /** The Pairwise-Net weights as tensors (for {@link pretrainPairwiseNet} and tests). */
  pairwiseWeights(): PairwiseWeights {
    return { kernels: this.kernels.map((k) => k.read()), biases: this.biases.map((b) => b.read()) };
  }

  /** The Pairwise-Net variables, e.g. to train only them. */
  pairwiseVariables(): tf.Variable[] {
    return [...this.kernels, ...this.biases].map((v) => v.read() as tf.Variable);
  }

  /** Window offsets in use (after build). */
  windowOffsets(): WindowOffsets {
    if (this.offsets === null) throw new ArgumentError(`${this.getClassName()}: layer is not built yet`);
    return this.offsets;
  }

  /** Voxel spacing in use (after build). */
  spacing(): number[] {
    return [...this.spacingResolved];
  }

  /** Mean-field iterations for a call with the given `training` flag. */
  iterations(training: boolean): number {
    return training ? this.options.trainIterations : this.options.inferenceIterations;
  }

  /** Checks inputs against the built weights; returns `[unaries, image, ...masks]`. */
  protected checkedInputs(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    const list = (Array.isArray(inputs) ? inputs : [inputs]) as tf.Tensor[];
    const layer = this.getClassName();
    const rank = checkCrfInputs(layer, list, this.inputNames());
    const first = this.kernels[0]!.shape;
    const channels = list[1]!.shape[rank + 1]!;
    if (rank + channels !== first[0]) {
      throw new ShapeError(`${layer}: built for ${first[0]! - this.offsets!.rank}-channel ${this.offsets!.rank}D images, got ${channels} channels in ${rank}D`);
    }
    const labels = list[0]!.shape[rank + 1]!;
    if (labels !== this.compatibility!.shape[0]) {
      throw new ShapeError(`${layer}: built for ${this.compatibility!.shape[0]} labels, unaryLogits has ${labels}`);
    }
    return list;
  }

  /** Refined logits of `[unaryLogits, image]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const [unaries, image] = this.checkedInputs(inputs) as [tf.Tensor, tf.Tensor];
      return this.refine(unaries, image, kwargs['training'] === true);
    });
  }

  /**
   * Mean field with the Pairwise-Net potential; `seeds` clamp Q (CRF-Net(fu)) and set the output
   * logits at seeded voxels to ±`seeds.logit`.
   */
  protected refine(unaries: tf.Tensor, image: tf.Tensor, training: boolean, seeds?: SeedConstraint): tf.Tensor {
    // Gradient depth > 0 means a tf.grad / variableGrads tape is recording this call.
    const taping = (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
    const bins = this.options.tableBins;
    const tabulate = !training && !taping && bins > 0 && image.shape[image.rank - 1] === 1 && image.size > bins;
    const iterations = this.iterations(training);
    let weights: tf.Tensor[] | Float32Array;
    if (tabulate) {
      const table = pairwiseTable(this.pairwiseWeights(), image, this.offsets!, this.spacingResolved, bins);
      if (unaries.shape[unaries.rank - 1] === 2) return this.binaryInference(unaries, table, iterations, seeds);
      weights = tabulatedWeightMap(table, paddedGeometry(image.shape.slice(1, -1), this.offsets!), image.shape[0]!);
    } else {
      weights = pairwiseWeightMap(this.pairwiseWeights(), image, this.offsets!, this.spacingResolved);
    }
    const logits = meanField({
      unaries,
      iterations,
      message: localMessenger(weights, this.offsets!),
      compatibility: this.compatibility!.read(),
      ...(seeds ? { clamp: seedClamp(seeds) } : {}),
    });
    return seeds ? seedLogits(logits, seeds) : logits;
  }

  /**
   * The 2-label tabulated inference path (no gradient is needed there): on the WebAssembly
   * kernels when loaded, else the same mean field in TypeScript typed arrays.
   */
  private binaryInference(unaries: tf.Tensor, table: PairwiseTable, iterations: number, seeds?: SeedConstraint): tf.Tensor {
    let seedCodes: Int8Array | undefined;
    if (seeds) {
      const fg = seeds.fg.dataSync();
      const bg = seeds.bg.dataSync();
      seedCodes = new Int8Array(fg.length);
      for (let i = 0; i < fg.length; i++) seedCodes[i] = fg[i]! > 0 ? 1 : bg[i]! > 0 ? 0 : -1;
    }
    const geometry = paddedGeometry(unaries.shape.slice(1, -1), this.offsets!);
    const batch = unaries.shape[0]!;
    const common = {
      geometry,
      batch,
      unaries: unaries.dataSync() as Float32Array,
      compatibility: this.compatibility!.read().dataSync() as Float32Array,
      iterations,
      ...(seedCodes ? { seeds: seedCodes, seedLogit: seeds!.logit } : {}),
    };
    const logits = withKernels(
      (k) => binaryMeanFieldWasm(k, { ...common, table }),
      () => binaryMeanField({ ...common, K: this.offsets!.count, weights: tabulatedWeightMap(table, geometry, batch) }),
    );
    return tf.tensor(logits, unaries.shape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { window, spacing, hiddenUnits, trainIterations, inferenceIterations, pottsWeight, tableBins } = this.options;
    const config: tf.serialization.ConfigDict = { hiddenUnits, trainIterations, inferenceIterations, pottsWeight, tableBins };
    if (window !== undefined) config['window'] = window;
    if (spacing !== undefined) config['spacing'] = spacing;
    return { ...super.getConfig(), ...config };
  }
}

/**
 * CRF-Net(fu): {@link CrfNetF} with the user's seeds as hard constraints. Called on
 * `[unaryLogits, image, fgSeeds, bgSeeds]` with binary masks `[N, ...spatial, 1]` and 2 labels
 * (0 = background, 1 = foreground). Q is clamped to the seed label at seeded voxels at
 * initialisation and after every iteration, so the constraint propagates to the neighbours; the
 * output logits at seeded voxels are ±`seedLogit`, so the result always honours the seeds.
 */
export class CrfNetFU extends CrfNetF {
  /** Class name under which the layer is registered for serialisation. */
  static override className = 'CrfNetFU';
  private readonly seedLogit: number;

  /** @param options - see {@link CrfNetFUOptions} */
  constructor(options: CrfNetFUOptions = {}) {
    super(options);
    this.seedLogit = options.seedLogit ?? 10;
    requirePositive('CrfNetFU: seedLogit', this.seedLogit);
  }

  protected override inputNames(): readonly string[] {
    return ['unaryLogits', 'image', 'fgSeeds', 'bgSeeds'];
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    const labels = shapes[0]?.[shapes[0].length - 1];
    if (labels !== 2) throw new ShapeError(`CrfNetFU: unaryLogits must have 2 labels (background, foreground), got ${labels}`);
    super.build(inputShape);
  }

  /** Refined logits of `[unaryLogits, image, fgSeeds, bgSeeds]`, equal to the seed label at seeds. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const [unaries, image, fg, bg] = this.checkedInputs(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      checkSeeds('CrfNetFU', fg, bg);
      return this.refine(unaries, image, kwargs['training'] === true, { fg, bg, logit: this.seedLogit });
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seedLogit: this.seedLogit };
  }
}

tf.serialization.registerClass(CrfNetF);
tf.serialization.registerClass(CrfNetFU);

/** Factory for {@link CrfNetF} in tfjs-layers style. */
export function crfNetF(options?: CrfNetFOptions): CrfNetF {
  return new CrfNetF(options);
}

/** Factory for {@link CrfNetFU} in tfjs-layers style. */
export function crfNetFU(options?: CrfNetFUOptions): CrfNetFU {
  return new CrfNetFU(options);
}
