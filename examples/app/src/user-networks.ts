// "Bring your own networks": a folder written by `deepigeos train-pnet` / `train-rnet`, picked
// with a directory input: model.json + weights.bin (in the folder, best/ or model/), config.json,
// and optionally crf/model.json + crf/weights.bin — or PyTorch weights (`*.safetensors`) with
// the same config.json, loaded into a P-Net/R-Net built from that config.
import { createPNet2D, createPNet3D, createRNet2D, createRNet3D, importTorchStateDict, initBackend } from '@deepigeos/rnet';
import type { NetworkFiles, TrainedNetworkFiles } from '@deepigeos/rnet/worker';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AppError } from './errors.js';
import { pipelineConfig, type TrainingConfigFile } from './network-config.js';

/** Files of a picked folder, keyed by their path inside it ('best/model.json', 'config.json', …). */
export function folderFiles(files: ArrayLike<File>): Map<string, File> {
  const out = new Map<string, File>();
  for (const file of Array.from(files)) {
    const path = (file.webkitRelativePath || file.name).split('/');
    // webkitRelativePath starts with the picked folder's own name.
    out.set(path.length > 1 ? path.slice(1).join('/') : path[0]!, file);
  }
  return out;
}

async function modelAt(files: Map<string, File>, dir: string, folder: string): Promise<NetworkFiles | undefined> {
  const prefix = dir ? `${dir}/` : '';
  const json = files.get(`${prefix}model.json`);
  if (!json) return undefined;
  const weights = files.get(`${prefix}weights.bin`);
  if (!weights) throw new AppError(`${folder}/${prefix}model.json has no weights.bin next to it`);
  let modelJson: NetworkFiles['modelJson'];
  try {
    modelJson = JSON.parse(await json.text());
  } catch (error) {
    throw new AppError(`${folder}/${prefix}model.json is not valid JSON: ${(error as Error).message}`);
  }
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new AppError(`${folder}/${prefix}model.json is not a tfjs layers model (no modelTopology/weightsManifest)`);
  }
  return { modelJson, weights: await weights.arrayBuffer() };
}

/** Reads a trained network from a picked folder. */
export async function readNetworkFolder(files: ArrayLike<File>, role: 'P-Net' | 'R-Net'): Promise<TrainedNetworkFiles> {
  const map = folderFiles(files);
  const folder = Array.from(files)[0]?.webkitRelativePath.split('/')[0] ?? role;
  let model: NetworkFiles | undefined;
  for (const dir of ['best', 'model', '']) {
    model = await modelAt(map, dir, folder);
    if (model) break;
  }
  const configFile = map.get('config.json');
  const safetensors = [...map.keys()].find((k) => !k.includes('/') && k.endsWith('.safetensors'));
  if (!model && !safetensors) throw new AppError(`the ${role} folder ${folder} has no model.json (in the folder, best/ or model/) and no .safetensors file`);
  if (!configFile) throw new AppError(`the ${role} folder ${folder} has no config.json (written by the training command)`);
  let config: TrainingConfig;
  try {
    config = JSON.parse(await configFile.text());
  } catch (error) {
    throw new AppError(`${folder}/config.json is not valid JSON: ${(error as Error).message}`);
  }
  if (config.dim !== 2 && config.dim !== 3) throw new AppError(`${folder}/config.json: dim must be 2 or 3, got ${JSON.stringify(config.dim)}`);
  model ??= await fromSafetensors(map.get(safetensors!)!, config, role, `${folder}/${safetensors}`);
  const crf = await modelAt(map, 'crf', folder);
  return { model, config: pipelineConfig(config), ...(crf ? { crf } : {}) };
}

/** The training config fields used to rebuild a network for PyTorch weights. */
type TrainingConfig = TrainingConfigFile & { channels?: number; dropout?: number; data?: { modalities?: string[] } };

/**
 * A P-Net/R-Net built from the training config (width `channels`, one input channel per
 * `data.modalities` entry) with the PyTorch state dict loaded into it, as model.json + weights.
 */
async function fromSafetensors(file: File, config: TrainingConfig, role: 'P-Net' | 'R-Net', name: string): Promise<NetworkFiles> {
  // Building the model needs a tfjs backend on the page: the small cpu one is enough.
  await initBackend('cpu');
  const imageChannels = config.data?.modalities?.length ?? 1;
  const channels = config.channels ?? (config.dim === 2 ? 32 : 16);
  const opts = { channels, ...(config.dropout !== undefined ? { dropout: config.dropout } : {}) };
  const model: tfl.LayersModel =
    role === 'P-Net'
      ? (config.dim === 2 ? createPNet2D : createPNet3D)({ inputChannels: imageChannels, numClasses: 2, ...opts })
      : (config.dim === 2 ? createRNet2D : createRNet3D)({ imageChannels, ...opts });
  try {
    importTorchStateDict(model, new Uint8Array(await file.arrayBuffer()));
    let files: NetworkFiles | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        files = {
          modelJson: { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }] },
          weights: a.weightData as ArrayBuffer,
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return files!;
  } catch (error) {
    throw new AppError(`${name}: ${(error as Error).message}`);
  } finally {
    model.dispose();
  }
}
