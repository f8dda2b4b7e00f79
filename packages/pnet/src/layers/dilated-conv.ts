import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeError } from '../errors.js';
import { dilatedConv } from '../ops/dilated-conv.js';
import {
  checkFloat32,
  checkInputShape,
  initializerByName,
  type LayerArgs,
  perAxis,
  type SpatialRank,
  singleShape,
  singleTensor,
} from './common.js';

/** Constructor arguments of {@link DilatedConv}. */
export interface DilatedConvArgs extends LayerArgs {
  /** 2 for `[N, H, W, C]` inputs, 3 for `[N, D, H, W, C]`. */
  rank: SpatialRank;
  /** Output channels. */
  filters: number;
  /** Kernel size per spatial axis (in D, H, W order), or one size for all; e.g. `[1, 3, 3]`. */
  kernelSize: number | number[];
  /** Dilation per spatial axis, or one for all; e.g. `[1, 4, 4]`. Default 1. */
  dilationRate?: number | number[];
  /** Add a bias per output channel. Default true. */
  useBias?: boolean;
  /** Apply ReLU after the bias. Default false (linear). */
  relu?: boolean;
  /** Kernel initializer name (tfjs-layers). Default `'heNormal'`, suited to ReLU networks. */
  kernelInitializer?: string;
}

/**
 * Stride-1, 'same'-padded convolution in 2D or 3D with any kernel shape and per-axis dilation,
 * trainable on every backend (cpu, wasm, webgl, webgpu). 3D convolutions run as 2D convolutions
 * over depth taps ({@link conv3dFast}); gradients are forward convolutions ({@link conv2dFast}).
 * Weights: `kernel` `[...kernelSize, Cin, filters]`, `bias` `[filters]`.
 *
 * @example
 * ```ts
 * const conv = new DilatedConv({ rank: 3, filters: 16, kernelSize: [1, 3, 3], dilationRate: [1, 4, 4] });
 * const y = conv.apply(tf.zeros([1, 8, 32, 32, 4])) as tf.Tensor; // [1, 8, 32, 32, 16]
 * ```
 */
export class DilatedConv extends tfl.layers.Layer {
  /** @internal */
  static readonly className = 'DilatedConv';
  readonly rank: SpatialRank;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly dilationRate: number[];
  readonly useBias: boolean;
  readonly relu: boolean;
  readonly kernelInitializer: string;
  private kernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(args: DilatedConvArgs) {
    super(args);
    if (args.rank !== 2 && args.rank !== 3) throw new ShapeError(`DilatedConv: rank must be 2 or 3, got ${args.rank}`);
    if (!Number.isInteger(args.filters) || args.filters < 1) {
      throw new ShapeError(`DilatedConv: filters must be a positive integer, got ${args.filters}`);
    }
    this.rank = args.rank;
    this.filters = args.filters;
    this.kernelSize = perAxis(args.kernelSize, args.rank, 'kernelSize', 'DilatedConv');
    this.dilationRate = perAxis(args.dilationRate ?? 1, args.rank, 'dilationRate', 'DilatedConv');
    this.useBias = args.useBias ?? true;
    this.relu = args.relu ?? false;
    this.kernelInitializer = args.kernelInitializer ?? 'heNormal';
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    const channels = checkInputShape(singleShape(inputShape), this.rank, undefined, this.name);
    const init = initializerByName(this.kernelInitializer, 'DilatedConv');
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.filters], 'float32', init);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
    return [...singleShape(inputShape).slice(0, -1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs, this.name);
      checkInputShape(x.shape, this.rank, this.kernel?.shape[this.rank] ?? undefined, this.name);
      checkFloat32(x, this.name);
      return dilatedConv(x, this.kernel!.read(), this.bias?.read(), this.dilationRate, this.relu);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      rank: this.rank,
      filters: this.filters,
      kernelSize: this.kernelSize,
      dilationRate: this.dilationRate,
      useBias: this.useBias,
      relu: this.relu,
      kernelInitializer: this.kernelInitializer,
    };
  }
}
tf.serialization.registerClass(DilatedConv);
