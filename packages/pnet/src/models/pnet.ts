import * as tfl from '@tensorflow/tfjs-layers';
import { ChannelConcat } from '../layers/channel-concat.js';
import { DilatedConv } from '../layers/dilated-conv.js';
import { Dropout } from '../layers/dropout.js';
import { PNetBlock } from '../layers/pnet-block.js';
import { validatedPredict } from '../validate.js';
import { PNET_BLOCKS, requirePositiveInt, requireRate } from './options.js';

/** Options of {@link createPNet2D}. */
export interface PNet2DOptions {
  /** Image channels (last axis of `[N, H, W, C]`). */
  inputChannels: number;
  /** Output classes (logit channels). */
  numClasses: number;
  /** Channels of every dilated convolution. Default 64. */
  channels?: number;
  /** Batch norm after each dilated convolution. Default false. */
  batchNorm?: boolean;
  /** Dropout rate before each 1×1 classifier convolution. Default 0.5. */
  dropout?: number;
  /** Channels of the first 1×1 classifier convolution. Default 2 × `channels` (128). */
  classifierChannels?: number;
}

/** Options of {@link createPNet3D}. */
export interface PNet3DOptions {
  /** Image channels (last axis of `[N, D, H, W, C]`); R-Net: image channels + 3. */
  inputChannels: number;
  /** Output classes (logit channels). */
  numClasses: number;
  /** Channels of every dilated convolution. Default 16. */
  channels?: number;
  /** Channels of each block's 1×1×1 compression. Default 4. */
  compressChannels?: number;
  /** Dropout rate of the classifier. Default 0.5. */
  dropout?: number;
}

/**
 * The 2D P-Net (Wang et al., DeepIGeoS): five blocks of 3×3 convolutions (2, 2, 3, 3, 3 layers,
 * dilations 1, 2, 4, 8, 16), the block outputs concatenated, dropout, 1×1 conv + ReLU, dropout,
 * 1×1 conv to class logits. Input `[N, H, W, inputChannels]` of any H, W; output logits
 * `[N, H, W, numClasses]` (apply softmax for probabilities). Layer names follow the PyTorch key
 * layout used by {@link importTorchStateDict} (`block1` … `block5`, `block6.1`, `block6.4`).
 * `predict` raises a {@link ShapeError} naming the expected shape for a wrong input.
 */
export function createPNet2D(options: PNet2DOptions): tfl.LayersModel {
  const fn = 'createPNet2D';
  const inputChannels = requirePositiveInt(options.inputChannels, 'inputChannels', fn);
  const numClasses = requirePositiveInt(options.numClasses, 'numClasses', fn);
  const channels = requirePositiveInt(options.channels ?? 64, 'channels', fn);
  const classifierChannels = requirePositiveInt(options.classifierChannels ?? 2 * channels, 'classifierChannels', fn);
  const dropout = requireRate(options.dropout ?? 0.5, 'dropout', fn);
  const batchNorm = options.batchNorm ?? false;
  const input = tfl.input({ shape: [null, null, inputChannels], name: 'image' });
  let x: tfl.SymbolicTensor = input;
  const features: tfl.SymbolicTensor[] = [];
  PNET_BLOCKS.forEach(({ numLayers, dilation }, i) => {
    x = new PNetBlock({ rank: 2, filters: channels, numLayers, dilation, batchNorm, name: `block${i + 1}` }).apply(
      x,
    ) as tfl.SymbolicTensor;
    features.push(x);
  });
  const logits = classifier(features, 2, classifierChannels, numClasses, dropout, [1, 1]);
  return validatedPredict(tfl.model({ inputs: input, outputs: logits, name: 'pnet2d' }));
}

/**
 * The 3D P-Net in exactly the layout of the PyTorch reimplementation `P_RNet3D`: five blocks whose
 * first convolution is 3×3×3 (dilation d) and the others in-plane `[1, 3, 3]` (dilation
 * `[1, d, d]`), d = 1, 2, 4, 8, 16, layers 2, 2, 3, 3, 3, ReLU; each block compressed by a 1×1×1
 * conv + ReLU to `compressChannels`; concatenated; dropout, 1×1×1 conv + ReLU, dropout, 3×3×3 conv
 * to class logits. Input `[N, D, H, W, inputChannels]` of any size; output `[N, D, H, W, numClasses]`
 * logits. R-Net is this network with `inputChannels` = image channels + 3. `predict` raises a
 * {@link ShapeError} naming the expected shape for a wrong rank, channel count or dtype.
 */
export function createPNet3D(options: PNet3DOptions): tfl.LayersModel {
  const fn = 'createPNet3D';
  const inputChannels = requirePositiveInt(options.inputChannels, 'inputChannels', fn);
  const numClasses = requirePositiveInt(options.numClasses, 'numClasses', fn);
  const channels = requirePositiveInt(options.channels ?? 16, 'channels', fn);
  const compress = requirePositiveInt(options.compressChannels ?? 4, 'compressChannels', fn);
  const dropout = requireRate(options.dropout ?? 0.5, 'dropout', fn);
  const input = tfl.input({ shape: [null, null, null, inputChannels], name: 'image' });
  let x: tfl.SymbolicTensor = input;
  const features: tfl.SymbolicTensor[] = [];
  PNET_BLOCKS.forEach(({ numLayers, dilation }, i) => {
    const name = `block${i + 1}`;
    x = new PNetBlock({ rank: 3, filters: channels, numLayers, dilation, name }).apply(x) as tfl.SymbolicTensor;
    const squeeze = new DilatedConv({ rank: 3, filters: compress, kernelSize: 1, relu: true, name: `${name}_downsample.0` });
    features.push(squeeze.apply(x) as tfl.SymbolicTensor);
  });
  const logits = classifier(features, 3, channels, numClasses, dropout, [3, 3, 3]);
  return validatedPredict(tfl.model({ inputs: input, outputs: logits, name: 'pnet3d' }));
}

/** Concatenation → dropout → 1×1 conv + ReLU → dropout → final conv (`block6.1`, `block6.4`). */
function classifier(
  features: tfl.SymbolicTensor[],
  rank: 2 | 3,
  hidden: number,
  numClasses: number,
  dropout: number,
  finalKernel: number[],
): tfl.SymbolicTensor {
  // Branches listed last-first (reverse: true restores the order): tfjs-layers then runs block 1
  // and its compression before block 2, …, so each block's output is freed early in inference.
  let x = new ChannelConcat({ name: 'concat', reverse: true }).apply([...features].reverse()) as tfl.SymbolicTensor;
  x = new Dropout({ rate: dropout, name: 'block6.0' }).apply(x) as tfl.SymbolicTensor;
  x = new DilatedConv({ rank, filters: hidden, kernelSize: 1, relu: true, name: 'block6.1' }).apply(x) as tfl.SymbolicTensor;
  x = new Dropout({ rate: dropout, name: 'block6.3' }).apply(x) as tfl.SymbolicTensor;
  return new DilatedConv({ rank, filters: numClasses, kernelSize: finalKernel, name: 'block6.4' }).apply(
    x,
  ) as tfl.SymbolicTensor;
}
