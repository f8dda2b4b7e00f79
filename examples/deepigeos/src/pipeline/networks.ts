/**
 * Loading trained networks from the folders the training commands write (or the bundled weights):
 * `DIR/best` (preferred), `DIR/model` or `DIR` itself holds `model.json`; `DIR/config.json` is
 * the training config (dimension, preprocessing, slice axis, encoding); `DIR/crf` optionally holds
 * a CRF-Net stage.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrfNetF } from '@deepigeos/crf-rnn';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type Schema, validateConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { loadModel } from '../train/model-io.js';
import { resolvedSizes, type TrainConfig } from '../train/schema.js';
import { type Predictor, tiledPredictor } from './tiled.js';

/** A trained network with the configuration it was trained with. */
export interface TrainedNet {
  model: tfl.LayersModel;
  config: TrainConfig;
  /** The model folder actually loaded. */
  modelDir: string;
  /** What inference should call: the model, or for 3D nets its patch-wise wrapper (see `tiled.ts`). */
  network: Predictor;
  /** CRF-Net layer saved next to the network (CRF-Net(f) for P-Net, CRF-Net(fu) for R-Net). */
  crf?: CrfNetF;
}

/**
 * The network to run at inference: 3D nets window by window at their training patch size
 * (`onProgress` reports windows done / total of each call).
 */
export function inferenceNetwork(model: tfl.LayersModel, config: TrainConfig, onProgress?: (done: number, total: number) => void): Predictor {
  return config.dim === 3 ? tiledPredictor(model, resolvedSizes(config).patch, onProgress) : model;
}

/** The folder holding `model.json` for a run folder or model folder. */
export function modelFolder(dir: string, flag: string): string {
  const found = [join(dir, 'best'), join(dir, 'model'), dir].find((d) => existsSync(join(d, 'model.json')));
  if (!found) throw new UsageError(`${flag} ${dir}: no model.json in ${dir}, ${join(dir, 'best')} or ${join(dir, 'model')}`);
  return found;
}

/** Loads a trained network and its config (validated against `schema`). */
export async function loadTrainedNet(dir: string, flag: string, schema: Schema): Promise<TrainedNet> {
  if (!existsSync(dir)) throw new UsageError(`${flag} ${dir}: folder does not exist`);
  const modelDir = modelFolder(dir, flag);
  const configFile = [join(dir, 'config.json'), join(modelDir, 'config.json')].find((f) => existsSync(f));
  if (!configFile) throw new UsageError(`${flag} ${dir}: no config.json (written by the training command) next to the model`);
  const config = validateConfig(JSON.parse(readFileSync(configFile, 'utf8')), schema, configFile) as unknown as TrainConfig;
  const model = await loadModel(modelDir);
  const net: TrainedNet = { model, config, modelDir, network: inferenceNetwork(model, config) };
  const crfDir = join(dir, 'crf');
  if (existsSync(join(crfDir, 'model.json'))) {
    const wrapper = await loadModel(crfDir);
    const layer = wrapper.layers.find((l) => l instanceof CrfNetF);
    if (!layer) throw new UsageError(`${crfDir}: the model has no CRF-Net layer`);
    net.crf = layer as CrfNetF;
  }
  return net;
}
