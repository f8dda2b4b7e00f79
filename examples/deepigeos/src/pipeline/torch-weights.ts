/**
 * PyTorch weights (a safetensors `state_dict()` as examples/torch/train.py writes it) → the
 * P-Net/R-Net they belong to, built from the weights' own shapes. No Node-only imports: the CLI
 * (`model.safetensors` in a model folder) and the web app (a fetched file) share it.
 * @module
 */
import { createPNet2D, createPNet3D, importTorchStateDict, readSafetensors } from '@deepigeos/pnet';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UsageError } from '../errors.js';

/**
 * Builds the 2D or 3D P-Net/R-Net (dimension, input channels and width read from
 * `block1.0.weight`, two classes) and loads the weights into it with `importTorchStateDict`.
 * @param bytes - the safetensors file
 * @param dropout - the training config's dropout rate (inactive at inference; kept for fine-tuning)
 * @param where - file name or URL for error messages
 * @throws UsageError if the file is not a P-Net/R-Net state dict (every bad key is named)
 */
export function modelFromTorchWeights(bytes: Uint8Array, dropout: number, where: string): tfl.LayersModel {
  let first: { shape: number[] } | undefined;
  try {
    first = readSafetensors(bytes).tensors.get('block1.0.weight');
  } catch (e) {
    throw new UsageError(`${where}: ${(e as Error).message}`);
  }
  if (!first || (first.shape.length !== 4 && first.shape.length !== 5)) {
    throw new UsageError(`${where}: no 2D/3D P-Net weights (expected a 'block1.0.weight' of rank 4 or 5, as examples/torch/train.py writes)`);
  }
  const options = { inputChannels: first.shape[1]!, numClasses: 2, channels: first.shape[0]!, dropout };
  const model = first.shape.length === 4 ? createPNet2D(options) : createPNet3D(options);
  try {
    importTorchStateDict(model, bytes);
  } catch (e) {
    model.dispose();
    throw new UsageError(`${where}: ${(e as Error).message}`);
  }
  return model;
}
