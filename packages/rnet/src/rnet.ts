import { createPNet2D, createPNet3D, type PNet2DOptions, type PNet3DOptions } from '@deepigeos/pnet';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { OptionError } from './errors.js';

/** Options of {@link createRNet2D}: P-Net 2D options, with image channels instead of input channels. */
export interface RNet2DOptions extends Omit<PNet2DOptions, 'inputChannels' | 'numClasses'> {
  /** Channels of the image itself; R-Net adds 3 (probability, G(fg), G(bg)). Default 1. */
  imageChannels?: number;
}

/** Options of {@link createRNet3D}: P-Net 3D options, with image channels instead of input channels. */
export interface RNet3DOptions extends Omit<PNet3DOptions, 'inputChannels' | 'numClasses'> {
  /** Channels of the image itself; R-Net adds 3 (probability, G(fg), G(bg)). Default 1. */
  imageChannels?: number;
}

function inputChannels(imageChannels: number | undefined): number {
  const c = imageChannels ?? 1;
  if (!Number.isInteger(c) || c < 1) throw new OptionError(`imageChannels must be a positive integer; got ${JSON.stringify(imageChannels)}`);
  return c + 3;
}

/**
 * 2D R-Net: the 2D P-Net backbone (`@deepigeos/pnet`) with `imageChannels + 3` inputs in the
 * order produced by {@link encodeInteractions} — image, current foreground probability,
 * G(fg seeds), G(bg seeds) — and two-class logits out.
 */
export function createRNet2D(options: RNet2DOptions = {}): LayersModel {
  const { imageChannels, ...rest } = options;
  return createPNet2D({ ...rest, inputChannels: inputChannels(imageChannels), numClasses: 2 });
}

/** 3D R-Net: the 3D P-Net backbone with `imageChannels + 3` inputs (see {@link createRNet2D}). */
export function createRNet3D(options: RNet3DOptions = {}): LayersModel {
  const { imageChannels, ...rest } = options;
  return createPNet3D({ ...rest, inputChannels: inputChannels(imageChannels), numClasses: 2 });
}
