import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeError } from '../errors.js';
import { dilatedConv } from '../ops/dilated-conv.js';
import { isRecordingGradients } from '../ops/recording.js';
import { addBatchNormWeights, applyBatchNorm, type BatchNormSettings, type BatchNormVariables } from './batch-norm.js';
import {
  checkFloat32,
  checkInputShape,
  initializerByName,
  type LayerArgs,
  type SpatialRank,
  singleShape,
  singleTensor,
} from './common.js';

/** Constructor arguments of {@link PNetBlock}. */
export interface PNetBlockArgs extends LayerArgs, BatchNormSettings {
  /** 2 for `[N, H, W, C]` inputs, 3 for `[N, D, H, W, C]`. */
  rank: SpatialRank;
  /** Channels of every convolution. */
  filters: number;
  /** Number of convolutions. */
  numLayers: number;
  /** Dilation of the block (the same on every axis of a 3×3 or 3×3×3 kernel). */
  dilation: number;
  /**
   * 3D only: make every convolution after the first an in-plane `[1, 3, 3]` kernel with
   * dilation `[1, d, d]` (the `P_RNet3D` layout). Default true for rank 3.
   */
  inPlaneAfterFirst?: boolean;
  /** Batch norm between each convolution and its ReLU. Default false. */
  batchNorm?: boolean;
  /** Kernel initializer name (tfjs-layers). Default `'heNormal'`. */
  kernelInitializer?: string;
}

/** Weights of one convolution of a {@link PNetBlock}. */
export interface PNetBlockLayerWeights {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable;
  batchNorm?: BatchNormVariables;
}

/**
 * A P-Net block: `numLayers` × (dilated convolution → optional batch norm → ReLU), resolution
 * preserving. 2D: 3×3 kernels, dilation `[d, d]`. 3D: first kernel 3×3×3 with dilation
 * `[d, d, d]`, then (by default) `[1, 3, 3]` with `[1, d, d]`.
 */
export class PNetBlock extends tfl.layers.Layer {
  /** @internal */
  static readonly className = 'PNetBlock';
  readonly rank: SpatialRank;
  readonly filters: number;
  readonly numLayers: number;
  readonly dilation: number;
  readonly inPlaneAfterFirst: boolean;
  readonly batchNorm: boolean;
  readonly momentum: number;
  readonly epsilon: number;
  readonly kernelInitializer: string;
  private convs: PNetBlockLayerWeights[] = [];

  constructor(args: PNetBlockArgs) {
    super(args);
    if (args.rank !== 2 && args.rank !== 3) throw new ShapeError(`PNetBlock: rank must be 2 or 3, got ${args.rank}`);
    for (const key of ['filters', 'numLayers', 'dilation'] as const) {
      if (!Number.isInteger(args[key]) || args[key] < 1) {
        throw new ShapeError(`PNetBlock: ${key} must be a positive integer, got ${args[key]}`);
      }
    }
    this.rank = args.rank;
    this.filters = args.filters;
    this.numLayers = args.numLayers;
    this.dilation = args.dilation;
    this.inPlaneAfterFirst = args.inPlaneAfterFirst ?? args.rank === 3;
    this.batchNorm = args.batchNorm ?? false;
    this.momentum = args.momentum ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-5;
    this.kernelInitializer = args.kernelInitializer ?? 'heNormal';
  }

  /** Kernel size and dilation of convolution `i` (spatial axes in D, H, W order). */
  layerGeometry(i: number): { kernelSize: number[]; dilation: number[] } {
    const d = this.dilation;
    if (this.rank === 2) return { kernelSize: [3, 3], dilation: [d, d] };
    if (i > 0 && this.inPlaneAfterFirst) return { kernelSize: [1, 3, 3], dilation: [1, d, d] };
    return { kernelSize: [3, 3, 3], dilation: [d, d, d] };
  }

  /** The block's variables, one entry per convolution (used by the PyTorch weight exchange). */
  layerWeights(): readonly PNetBlockLayerWeights[] {
    return this.convs;
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    let channels = checkInputShape(singleShape(inputShape), this.rank, undefined, this.name);
    const init = initializerByName(this.kernelInitializer, 'PNetBlock');
    this.convs = [];
    for (let i = 0; i < this.numLayers; i++) {
      const { kernelSize } = this.layerGeometry(i);
      const kernel = this.addWeight(`conv${i}_kernel`, [...kernelSize, channels, this.filters], 'float32', init);
      const bias = this.addWeight(`conv${i}_bias`, [this.filters], 'float32', tfl.initializers.zeros());
      const layer: PNetBlockLayerWeights = { kernel, bias };
      if (this.batchNorm) {
        layer.batchNorm = addBatchNormWeights(
          (name, s, bnInit, trainable) => this.addWeight(name, s, 'float32', bnInit, undefined, trainable),
          `bn${i}_`,
          this.filters,
        );
      }
      this.convs.push(layer);
      channels = this.filters;
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
    return [...singleShape(inputShape).slice(0, -1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const input = singleTensor(inputs, this.name);
      checkInputShape(input.shape, this.rank, this.convs[0]?.kernel.shape[this.rank] ?? undefined, this.name);
      checkFloat32(input, this.name);
      const training = kwargs['training'] === true;
      // Without a gradient tape, each layer's input is freed as soon as its output exists
      // (tidy would keep them all until the block ends: several volume-sized tensors).
      const freeEarly = !isRecordingGradients();
      let x = input;
      this.convs.forEach((layer, i) => {
        const { dilation } = this.layerGeometry(i);
        let y: tf.Tensor;
        if (layer.batchNorm === undefined) {
          y = dilatedConv(x, layer.kernel.read(), layer.bias.read(), dilation, true);
        } else {
          const z = dilatedConv(x, layer.kernel.read(), layer.bias.read(), dilation);
          y = tf.relu(applyBatchNorm(z, layer.batchNorm, training, { momentum: this.momentum, epsilon: this.epsilon }));
          if (freeEarly) z.dispose();
        }
        if (freeEarly && x !== input) x.dispose();
        x = y;
      });
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      rank: this.rank,
      filters: this.filters,
      numLayers: this.numLayers,
      dilation: this.dilation,
      inPlaneAfterFirst: this.inPlaneAfterFirst,
      batchNorm: this.batchNorm,
      momentum: this.momentum,
      epsilon: this.epsilon,
      kernelInitializer: this.kernelInitializer,
    };
  }
}
tf.serialization.registerClass(PNetBlock);
