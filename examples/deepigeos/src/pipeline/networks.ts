/**
 * Loading trained networks from the folders the training commands write (or the bundled weights):
 * `DIR/best` (preferred), `DIR/model` or `DIR` itself holds `model.json` (tfjs) or `model.safetensors`
 * (PyTorch weights from examples/torch/train.py, loaded with no conversion); `DIR/config.json` is
 * the training config (dimension, preprocessing, slice axis, encoding); `DIR/crf` optionally holds
 * a CRF-Net stage.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrfNetF } from '@deepigeos/crf-rnn';
import { CheckpointError } from '@deepigeos/pnet';
import { flipEnsemble, inferenceWindow, type SegmentationNetwork, type TestTimeFlips, testTimeFlipAxes, trainedWithFlips, volumeNetwork } from '@deepigeos/rnet';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type Schema, validateConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { loadModel, loadTorchModel, TORCH_WEIGHTS } from '../train/model-io.js';
import { resolvedSizes, type TrainConfig } from '../train/schema.js';
import { tiledPredictor } from './tiled.js';

/** A trained network with the configuration it was trained with. */
export interface TrainedNet {
  model: tfl.LayersModel;
  config: TrainConfig;
  /** The model folder actually loaded. */
  modelDir: string;
  /** What inference should call: the model, or for 3D nets its window-by-window or depth-streamed wrapper. */
  network: SegmentationNetwork;
  /** CRF-Net layer saved next to the network (CRF-Net(f) for P-Net, CRF-Net(fu) for R-Net). */
  crf?: CrfNetF;
  /** Spatial axes whose flips `network` averages (test-time augmentation); empty or absent: none. */
  flipAxes?: readonly number[];
}

/**
 * The network to run at inference. 3D nets trained on small patches run window by window at their
 * patch size (see `tiled.ts`); 3D nets trained on patches of 48³ and more run on the whole input,
 * depth-streamed through `predictVolume` (`inferenceWindow` of @deepigeos/rnet decides).
 * `onProgress` reports windows or slabs done / total of each call (each flipped pass counts
 * anew); `flipAxes` averages the logits over flips of those spatial axes (see `testTimeFlipAxes`).
 */
export function inferenceNetwork(
  model: tfl.LayersModel,
  config: TrainConfig,
  onProgress?: (done: number, total: number) => void,
  flipAxes: readonly number[] = [],
): SegmentationNetwork {
  const window = config.dim === 3 ? inferenceWindow(resolvedSizes(config).patch) : undefined;
  const network = config.dim !== 3 ? model : window ? tiledPredictor(model, window, onProgress) : streamedNetwork(model, onProgress);
  return flipAxes.length > 0 ? flipEnsemble(network, flipAxes) : network;
}

/** `net` whose `network` reports windows or slabs to `onProgress` (its test-time flips kept). */
export function reportingProgress(net: TrainedNet, onProgress: (done: number, total: number) => void): TrainedNet {
  return { ...net, network: inferenceNetwork(net.model, net.config, onProgress, net.flipAxes) };
}

/** `volumeNetwork` for batches too: each sample of `[N, D, H, W, C]` depth-streamed in turn. */
function streamedNetwork(model: tfl.LayersModel, onProgress?: (done: number, total: number) => void): SegmentationNetwork {
  const single = volumeNetwork(model, onProgress ? { onProgress } : {});
  return {
    async predict(x: tf.Tensor): Promise<tf.Tensor> {
      const n = x.shape[0]!;
      if (n === 1) return single.predict(x);
      const parts: tf.Tensor[] = [];
      try {
        for (let k = 0; k < n; k++) {
          const sample = tf.slice(x, k, 1);
          parts.push(await single.predict(sample));
          sample.dispose();
        }
        return tf.concat(parts, 0);
      } finally {
        tf.dispose(parts);
      }
    },
  };
}

/**
 * The folder holding the weights of a run folder or model folder: `model.json` (tfjs, written by
 * the training commands) or `model.safetensors` (PyTorch, written by examples/torch/train.py).
 */
export function modelFolder(dir: string, flag: string): string {
  const found = [join(dir, 'best'), join(dir, 'model'), dir].find((d) => existsSync(join(d, 'model.json')) || existsSync(join(d, TORCH_WEIGHTS)));
  if (!found) throw new UsageError(`${flag} ${dir}: no model.json or ${TORCH_WEIGHTS} in ${dir}, ${join(dir, 'best')} or ${join(dir, 'model')}`);
  return found;
}

/** Runs a model load, reporting a damaged model folder (CheckpointError) as a usage error naming the flag. */
async function withFlag<T>(flag: string, dir: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(`${flag} ${dir}: ${e.message}`);
    throw e;
  }
}

/**
 * Checks that an R-Net can refine this P-Net's results: the same dimension (2D or 3D) and
 * R-Net's input = P-Net's image channels + 3 (probability and two distance maps).
 * @throws UsageError naming --pnet and --rnet
 */
export function checkNetPair(pnet: TrainedNet, rnet: TrainedNet, pnetDir: string, rnetDir: string): void {
  if (pnet.config.dim !== rnet.config.dim) {
    throw new UsageError(`--pnet ${pnetDir} is a ${pnet.config.dim}D network but --rnet ${rnetDir} is ${rnet.config.dim}D; R-Net must refine a P-Net of the same dimension`);
  }
  const channels = (m: tfl.LayersModel) => m.inputs[0]!.shape[m.inputs[0]!.shape.length - 1];
  const [c, r] = [channels(pnet.model), channels(rnet.model)];
  if (typeof c === 'number' && typeof r === 'number' && r !== c + 3) {
    throw new UsageError(`--rnet ${rnetDir} takes ${r} input channels, but --pnet ${pnetDir} has ${c} image channel(s): R-Net needs ${c + 3} (image, probability, two distance maps)`);
  }
}

/**
 * Loads a trained network and its config (validated against `schema`); `tta` sets its test-time
 * flips (default none; `auto` flips 2D networks trained with flip augmentation).
 */
export async function loadTrainedNet(dir: string, flag: string, schema: Schema, tta: TestTimeFlips = 'none'): Promise<TrainedNet> {
  if (!existsSync(dir)) throw new UsageError(`${flag} ${dir}: folder does not exist`);
  const modelDir = modelFolder(dir, flag);
  const configFile = [join(dir, 'config.json'), join(modelDir, 'config.json')].find((f) => existsSync(f));
  if (!configFile) throw new UsageError(`${flag} ${dir}: no config.json (written by the training command) next to the model`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new UsageError(`${flag} ${dir}: ${configFile} is not valid JSON (${(e as Error).message})`);
  }
  const config = validateConfig(raw, schema, configFile) as unknown as TrainConfig;
  const model = existsSync(join(modelDir, 'model.json')) ? await withFlag(flag, dir, () => loadModel(modelDir)) : loadTorchModel(modelDir, config);
  const flipAxes = testTimeFlipAxes(tta, config.dim, trainedWithFlips(config));
  const net: TrainedNet = { model, config, modelDir, network: inferenceNetwork(model, config, undefined, flipAxes), flipAxes };
  const crfDir = join(dir, 'crf');
  if (existsSync(join(crfDir, 'model.json'))) {
    const wrapper = await withFlag(flag, dir, () => loadModel(crfDir));
    const layer = wrapper.layers.find((l) => l instanceof CrfNetF);
    if (!layer) throw new UsageError(`${crfDir}: the model has no CRF-Net layer`);
    net.crf = layer as CrfNetF;
  }
  return net;
}
