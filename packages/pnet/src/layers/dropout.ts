import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ArgumentError } from '../errors.js';
import { wasmConvFor } from '../ops/wasm-conv.js';
import { heapOutputs, wasmHeapView } from '../ops/wasm-heap.js';
import { type LayerArgs, singleTensor } from './common.js';

/** Constructor arguments of {@link Dropout} (those of tfjs-layers' `Dropout`). */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of the values set to zero in training, in [0, 1]. */
  rate: number;
  /** Shape of the mask, broadcast over the input; `null` entries take the input's size. Default: the input's shape. */
  noiseShape?: (number | null)[];
  /** Seeds the layer's random stream (each training call draws a new mask from it). Default: random. */
  seed?: number;
}

/**
 * `x × mask` whose gradient is taken for `x` alone: tfjs' Multiply gradient also computes the
 * mask's (a product and a copy of the layer's largest tensor that nobody uses, 5 % of a 2D P-Net
 * training step on wasm, measured).
 */
function masked(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[1] as tf.GradSaveFunc)([mask]);
    return { value: tf.mul(args[0] as tf.Tensor, mask), gradFunc: (dy: tf.Tensor, [m]: tf.Tensor[]) => tf.mul(dy, m!) };
  });
  return product(x);
}

/**
 * Inverted dropout in training (values kept with probability keep = 1 − rate, rounded to 1/65536,
 * and scaled by 1 / keep, so the mask's mean is 1; the identity in inference), with tfjs-layers'
 * `Dropout` config and class name, so models save and load as before. The mask comes from a small
 * integer generator in one loop: tfjs draws each value through its seedrandom generator and four
 * tensor ops, 40 % of a 2D P-Net training step (64² × 4, 32 channels) on the wasm backend. Importing this package registers this class under
 * the name `'Dropout'`, so models loaded afterwards (checkpoints included) use it too.
 */
export class Dropout extends tfl.layers.Layer {
  /** @internal */
  static readonly className = 'Dropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | undefined;
  readonly seed: number | undefined;
  private state: number;

  constructor(args: DropoutArgs) {
    super(args);
    if (typeof args?.rate !== 'number' || Number.isNaN(args.rate)) throw new ArgumentError(`Dropout: rate must be a number in [0, 1], got ${String(args?.rate)}`);
    this.rate = Math.max(Math.min(args.rate, 1), 0);
    this.noiseShape = args.noiseShape ?? undefined;
    this.seed = args.seed ?? undefined;
    this.supportsMasking = true;
    this.state = (args.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    this.invokeCallHook(inputs, kwargs);
    const input = singleTensor(inputs, this.name);
    // Any truthy `training` trains, as in tfjs-layers.
    if (!kwargs['training'] || !(this.rate > 0 && this.rate < 1)) return input;
    return tf.tidy(() => {
      const shape = this.noiseShape === undefined ? input.shape : this.maskShape(input.shape);
      return masked(input, this.mask(shape, 1 - this.rate));
    });
  }

  /** The mask's shape for an input: `noiseShape` with `null` taking the input's size; each size 1 (broadcast) or the input's. */
  private maskShape(inputShape: number[]): number[] {
    const noise = this.noiseShape!;
    const shape = noise.map((d, i) => d ?? inputShape[i]!);
    if (shape.length !== inputShape.length || shape.some((d, i) => d !== 1 && d !== inputShape[i])) {
      throw new ArgumentError(`Dropout ${this.name}: noiseShape [${noise.map(String).join(', ')}] does not broadcast over an input of shape [${inputShape.join(', ')}] (each size must be 1, null or the input's)`);
    }
    return shape;
  }

  /**
   * The scaled mask: on the wasm backend drawn in place on the heap (by the package's WebAssembly
   * module where loaded, else here), elsewhere into a new array. Same values either way.
   */
  private mask(shape: number[], keep: number): tf.Tensor {
    const threshold = Math.round(keep * 65536);
    // The kept values' scale makes the mask's mean exactly 1 for the rounded keep probability.
    const scale = threshold === 0 ? 0 : 65536 / threshold;
    // First: attaching the module on its first use allocates on the heap, which may move it.
    const module = wasmConvFor(tf.backend());
    const view = wasmHeapView();
    if (view !== undefined) {
      const [mask] = heapOutputs([shape]);
      const values = view(mask!);
      this.state = module !== undefined ? module.dropoutMask(values, threshold, scale, this.state) : drawMask(values, threshold, scale, this.state);
      return mask!;
    }
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    this.state = drawMask(values, threshold, scale, this.state);
    return tf.tensor(values, shape, 'float32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Unset options stay absent, as in tfjs-layers' Dropout.
    return { rate: this.rate, ...(this.noiseShape === undefined ? {} : { noiseShape: this.noiseShape }), ...(this.seed === undefined ? {} : { seed: this.seed }), ...super.getConfig() };
  }
}
tf.serialization.registerClass(Dropout);

/**
 * Fills `mask` with `scale` where a 16-bit draw is below `threshold` and 0 elsewhere, from the
 * mulberry32 generator at `state` (two draws per 32-bit output; branch-free, as a random branch
 * per value halves the speed); returns the next state. native/wasm_api.cpp's pnet_dropout_mask
 * is the same generator in WebAssembly.
 */
function drawMask(mask: Float32Array, threshold: number, scale: number, state: number): number {
  let a = state | 0;
  const pairs = mask.length >>> 1;
  for (let j = 0; j < pairs; j++) {
    a = (a + MULBERRY32_STEP) | 0;
    const t = mulberry32Output(a);
    // (draw − threshold) >>> 31 is 1 when draw < threshold.
    mask[2 * j] = (((t & 0xffff) - threshold) >>> 31) * scale;
    mask[2 * j + 1] = (((t >>> 16) - threshold) >>> 31) * scale;
  }
  if (mask.length % 2 === 1) {
    a = (a + MULBERRY32_STEP) | 0;
    mask[mask.length - 1] = (((mulberry32Output(a) & 0xffff) - threshold) >>> 31) * scale;
  }
  return a >>> 0;
}

/** mulberry32's increment of its state. */
const MULBERRY32_STEP = 0x6d2b79f5;

/** mulberry32's 32-bit output (as an int32) for an advanced state `a`. */
function mulberry32Output(a: number): number {
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return t ^ (t >>> 14);
}
