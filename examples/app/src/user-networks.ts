// "Bring your own networks": a folder written by `deepigeos train-pnet` / `train-rnet`, picked
// with a directory input: model.json + weights.bin (in the folder, best/ or model/), config.json,
// and optionally crf/model.json + crf/weights.bin.
import type { NetworkConfig, NetworkFiles, TrainedNetworkFiles } from '@deepigeos/rnet/worker';
import { AppError } from './errors.js';

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
  if (!model) throw new AppError(`the ${role} folder ${folder} has no model.json (in the folder, best/ or model/)`);
  const configFile = map.get('config.json');
  if (!configFile) throw new AppError(`the ${role} folder ${folder} has no config.json (written by the training command)`);
  let config: NetworkConfig & { patch?: unknown };
  try {
    config = JSON.parse(await configFile.text());
  } catch (error) {
    throw new AppError(`${folder}/config.json is not valid JSON: ${(error as Error).message}`);
  }
  if (config.dim !== 2 && config.dim !== 3) throw new AppError(`${folder}/config.json: dim must be 2 or 3, got ${JSON.stringify(config.dim)}`);
  const crf = await modelAt(map, 'crf', folder);
  const patch = typeof config.patch === 'number' ? config.patch : undefined;
  return { model, config: { dim: config.dim, ...(patch ? { patch } : {}), lambda: config.lambda ?? 1 }, ...(crf ? { crf } : {}) };
}
