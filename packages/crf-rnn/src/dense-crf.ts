// Fully connected Gaussian CRF (Krähenbühl & Koltun 2011) as a trainable recurrent layer
// (CRF-as-RNN, Zheng et al. 2015). Messages are Gaussian filters over the whole image computed
// with a permutohedral lattice built once per image and reused by every iteration and by the
// backward pass (the lattice's adjoint).
import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers, type Shape } from '@tensorflow/tfjs-layers';
import type { BaseLayerArgs } from './crf-net.js';
import { ArgumentError, ShapeError, requireInteger, requirePositive } from './errors.js';
import { createLattice, type Lattice } from './lattice.js';
import { meanField } from './mean-field.js';
import { checkCrfInputs, resolveSpacing } from './validate.js';

/** Options of {@link DenseCrf} (all optional). */
export interface DenseCrfOptions extends BaseLayerArgs {
  /** Spatial standard deviation of the appearance kernel, in spacing units (mm). Default 10. */
  thetaAlpha?: number;
  /** Intensity standard deviation of the appearance kernel, in image units. Default 0.1. */
  thetaBeta?: number;
  /** Spatial standard deviation of the smoothness kernel, in spacing units. Default 3. */
  thetaGamma?: number;
  /** Voxel spacing in `[D,] H, W` order. Default all 1. */
  spacing?: number[];
  /** Initial weight w1 of the (normalised) appearance kernel. Default 3. */
  appearanceWeight?: number;
  /** Initial weight w2 of the (normalised) smoothness kernel. Default 1. */
  smoothnessWeight?: number;
  /** Mean-field iterations when called with `training: true`. Default 5. */
  trainIterations?: number;
  /** Mean-field iterations otherwise. Default 10. */
  inferenceIterations?: number;
}

/** Positions (times spacing / theta) and optionally image channels / thetaI as lattice features. */
export function gaussianFeatures(
  image: Float32Array,
  spatial: readonly number[],
  channels: number,
  spacing: readonly number[],
  theta: number,
  thetaI: number | null,
): { features: Float32Array; d: number } {
  const rank = spatial.length;
  const voxels = spatial.reduce((a, b) => a * b, 1);
  const d = rank + (thetaI === null ? 0 : channels);
  const features = new Float32Array(voxels * d);
  const step = spacing.map((s) => s / theta);
  for (let i = 0; i < voxels; i++) {
    let rest = i;
    for (let a = rank - 1; a >= 0; a--) {
      features[i * d + a] = (rest % spatial[a]!) * step[a]!;
      rest = Math.floor(rest / spatial[a]!);
    }
    if (thetaI !== null) for (let c = 0; c < channels; c++) features[i * d + rank + c] = image[i * channels + c]! / thetaI;
  }
  return { features, d };
}

/**
 * Differentiable Gaussian filtering of `q` (`[N, ...spatial, L]`) with one lattice per batch
 * element; the gradient is the lattice's exact adjoint (reverse blur order).
 */
export function latticeFilter(lattices: readonly Lattice[], q: tf.Tensor): tf.Tensor {
  const labels = q.shape[q.shape.length - 1]!;
  const run = (data: Float32Array, reverse: boolean, shape: number[]) => {
    const out = new Float32Array(data.length);
    const per = data.length / lattices.length;
    for (const [n, lattice] of lattices.entries()) {
      out.set(lattice.filter(data.subarray(n * per, (n + 1) * per), labels, { reverse }), n * per);
    }
    return tf.tensor(out, shape);
  };
  const op = tf.customGrad((x) => {
    const t = x as tf.Tensor;
    return {
      value: run(t.dataSync() as Float32Array, false, t.shape),
      gradFunc: (dy: tf.Tensor) => run(dy.dataSync() as Float32Array, true, dy.shape),
    };
  });
  return op(q);
}

/** 1 / filter(ones) per voxel, `[N, ...spatial, 1]`: the normalisation applied outside the filter. */
function inverseNorm(lattices: readonly Lattice[], shape: number[]): tf.Tensor {
  const voxels = lattices[0]!.n;
  const out = new Float32Array(lattices.length * voxels);
  for (const [n, lattice] of lattices.entries()) {
    const k1 = lattice.filter(new Float32Array(voxels).fill(1), 1);
    for (let i = 0; i < voxels; i++) out[n * voxels + i] = 1 / k1[i]!;
  }
  return tf.tensor(out, shape);
}

/**
 * Dense Gaussian CRF layer. Called on `[unaryLogits, image]` (2D `[N, H, W, L]` + `[N, H, W, C]` or
 * 3D `[N, D, H, W, *]`), returns refined logits of the unaries' shape. Message of label l:
 * w1·(K_a Q_l)/(K_a 1) + w2·(K_s Q_l)/(K_s 1) with the appearance kernel
 * K_a = exp(−|Δp|²/2θα² − |ΔI|²/2θβ²) and smoothness kernel K_s = exp(−|Δp|²/2θγ²)
 * (positions in spacing units). w1, w2 and the compatibility μ (init −I) are trainable.
 * The image only defines the kernels: no gradient flows to it.
 *
 * @example
 * ```ts
 * const crf = denseCrf({ thetaAlpha: 8, thetaBeta: 0.1, thetaGamma: 2 });
 * const refined = crf.apply([logits, image]) as tf.Tensor;
 * ```
 */
export class DenseCrf extends layers.Layer {
  /** Class name under which the layer is registered for serialisation. */
  static className = 'DenseCrf';
  private readonly config: Required<Omit<DenseCrfOptions, keyof BaseLayerArgs | 'spacing'>> & Pick<DenseCrfOptions, 'spacing'>;
  private appearance: LayerVariable | null = null;
  private smoothness: LayerVariable | null = null;
  private compatibility: LayerVariable | null = null;

  /** @param options - see {@link DenseCrfOptions} */
  constructor(options: DenseCrfOptions = {}) {
    super(options);
    const {
      thetaAlpha = 10,
      thetaBeta = 0.1,
      thetaGamma = 3,
      spacing,
      appearanceWeight = 3,
      smoothnessWeight = 1,
      trainIterations = 5,
      inferenceIterations = 10,
    } = options;
    requirePositive('DenseCrf: thetaAlpha', thetaAlpha);
    requirePositive('DenseCrf: thetaBeta', thetaBeta);
    requirePositive('DenseCrf: thetaGamma', thetaGamma);
    for (const [k, v] of Object.entries({ appearanceWeight, smoothnessWeight })) {
      if (!Number.isFinite(v)) throw new ArgumentError(`DenseCrf: ${k} must be a finite number, got ${v}`);
    }
    requireInteger('DenseCrf: trainIterations', trainIterations, 1);
    requireInteger('DenseCrf: inferenceIterations', inferenceIterations, 1);
    this.config = { thetaAlpha, thetaBeta, thetaGamma, spacing, appearanceWeight, smoothnessWeight, trainIterations, inferenceIterations };
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    const labels = shapes[0]?.[shapes[0].length - 1];
    if (typeof labels !== 'number') throw new ShapeError('DenseCrf: the label axis of unaryLogits must be known at build time');
    this.appearance = this.addWeight('appearance_weight', [], 'float32', initializers.constant({ value: this.config.appearanceWeight }));
    this.smoothness = this.addWeight('smoothness_weight', [], 'float32', initializers.constant({ value: this.config.smoothnessWeight }));
    this.compatibility = this.addWeight('compatibility', [labels, labels], 'float32', initializers.identity({ gain: -1 }));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }

  /** Mean-field iterations for a call with the given `training` flag. */
  iterations(training: boolean): number {
    return training ? this.config.trainIterations : this.config.inferenceIterations;
  }

  /** Refined logits of `[unaryLogits, image]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const list = (Array.isArray(inputs) ? inputs : [inputs]) as tf.Tensor[];
      const rank = checkCrfInputs('DenseCrf', list, ['unaryLogits', 'image']);
      const [unaries, image] = list as [tf.Tensor, tf.Tensor];
      const labels = unaries.shape[rank + 1]!;
      if (labels !== this.compatibility!.shape[0]) {
        throw new ShapeError(`DenseCrf: built for ${this.compatibility!.shape[0]} labels, unaryLogits has ${labels}`);
      }
      const spacing = resolveSpacing('DenseCrf', this.config.spacing, rank);
      const { appearance, smoothness } = this.buildLattices(image, spacing);
      const normShape = [...unaries.shape.slice(0, -1), 1];
      const normA = inverseNorm(appearance, normShape);
      const normS = inverseNorm(smoothness, normShape);
      const wA = this.appearance!.read();
      const wS = this.smoothness!.read();
      return meanField({
        unaries,
        iterations: this.iterations(kwargs['training'] === true),
        message: (q) =>
          tf.add(tf.mul(wA, tf.mul(normA, latticeFilter(appearance, q))), tf.mul(wS, tf.mul(normS, latticeFilter(smoothness, q)))),
        compatibility: this.compatibility!.read(),
      });
    });
  }

  /** One appearance and one smoothness lattice per batch element. */
  private buildLattices(image: tf.Tensor, spacing: number[]): { appearance: Lattice[]; smoothness: Lattice[] } {
    const data = image.dataSync() as Float32Array;
    const spatial = image.shape.slice(1, -1);
    const channels = image.shape[image.shape.length - 1]!;
    const voxels = spatial.reduce((a, b) => a * b, 1);
    const appearance: Lattice[] = [];
    const smoothness: Lattice[] = [];
    for (let n = 0; n < image.shape[0]!; n++) {
      const slice = data.subarray(n * voxels * channels, (n + 1) * voxels * channels);
      const a = gaussianFeatures(slice, spatial, channels, spacing, this.config.thetaAlpha, this.config.thetaBeta);
      appearance.push(createLattice(a.features, voxels, a.d));
      const s = gaussianFeatures(slice, spatial, channels, spacing, this.config.thetaGamma, null);
      smoothness.push(createLattice(s.features, voxels, s.d));
    }
    return { appearance, smoothness };
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { spacing, ...rest } = this.config;
    return { ...super.getConfig(), ...rest, ...(spacing !== undefined ? { spacing } : {}) };
  }
}

tf.serialization.registerClass(DenseCrf);

/** Factory for {@link DenseCrf} in tfjs-layers style. */
export function denseCrf(options?: DenseCrfOptions): DenseCrf {
  return new DenseCrf(options);
}
