import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { formatShape, ShapeError } from '../errors.js';
import { channelConcat } from '../ops/channel-concat.js';
import type { LayerArgs } from './common.js';

/** Constructor arguments of {@link ChannelConcat}. */
export interface ChannelConcatArgs extends LayerArgs {
  /**
   * Concatenate the inputs in reverse order. tfjs-layers' executor computes a node's inputs
   * last-first, so a graph that lists its branches last-first (and sets this flag) has earlier
   * branches computed, and their large intermediates freed, first. Default false.
   */
  reverse?: boolean;
}

/**
 * Concatenates its inputs along the channel (last) axis, with a gradient that stays fast on the
 * wasm backend ({@link channelConcat}). Inputs must agree on every other axis.
 */
export class ChannelConcat extends tfl.layers.Layer {
  /** @internal */
  static readonly className = 'ChannelConcat';
  readonly reverse: boolean;

  constructor(args: ChannelConcatArgs = {}) {
    super(args);
    this.reverse = args.reverse ?? false;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reverse: this.reverse };
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
    const shapes = inputShape as (number | null)[][];
    if (!Array.isArray(shapes[0])) throw new ShapeError(`${this.name}: expects a list of inputs`);
    const channels = shapes.map((s) => s[s.length - 1]);
    const total = channels.some((c) => c === null) ? null : channels.reduce((a, b) => a! + b!, 0);
    return [...shapes[0]!.slice(0, -1), total];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const first = list[0]!;
      for (const t of list) {
        if (t.rank !== first.rank || t.shape.slice(0, -1).some((d, i) => d !== first.shape[i])) {
          throw new ShapeError(`${this.name}: inputs must agree on all but the last axis, got ${list.map((x) => formatShape(x.shape)).join(' and ')}`);
        }
      }
      return channelConcat(this.reverse ? [...list].reverse() : list);
    });
  }
}
tf.serialization.registerClass(ChannelConcat);
