// Assets built into the app (see vite.config.ts): the networks as written by `deepigeos
// train-pnet` / `train-rnet` (`<name>/model.json` + `weights.bin` + `config.json`, optional
// `<name>/crf/`) and the sample volume. Everything is fetched from the app's own origin.
import type { NetworkFiles, PipelineNetworks, TrainedNetworkFiles } from '@deepigeos/rnet/worker';
import { AppError } from './errors.js';
import { pipelineConfig, type TrainingConfigFile } from './network-config.js';

type ModelJson = NetworkFiles['modelJson'];
const modelJsons = import.meta.glob<ModelJson>('@deepigeos-app-weights/**/model.json', { eager: true, import: 'default' });
const weightUrls = import.meta.glob<string>('@deepigeos-app-weights/**/weights.bin', { eager: true, query: '?url', import: 'default' });
const configs = import.meta.glob<TrainingConfigFile>('@deepigeos-app-weights/*/config.json', { eager: true, import: 'default' });
const sampleUrls = import.meta.glob<string>('@deepigeos-app-sample/**/*.nii.gz', { eager: true, query: '?url', import: 'default' });

function find<T>(files: Record<string, T>, suffix: string): T | undefined {
  return Object.entries(files).find(([path]) => path.endsWith(suffix))?.[1];
}

async function fetchBytes(url: string, what: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new AppError(`fetching ${what} (${url}) failed: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function bundledFiles(name: string): Promise<NetworkFiles | undefined> {
  const modelJson = find(modelJsons, `/${name}/model.json`);
  const url = find(weightUrls, `/${name}/weights.bin`);
  return modelJson && url ? { modelJson, weights: await fetchBytes(url, `${name}/weights.bin`) } : undefined;
}

async function bundledNet(name: string): Promise<TrainedNetworkFiles | undefined> {
  const model = await bundledFiles(name);
  const config = find(configs, `/${name}/config.json`);
  if (!model || !config) return undefined;
  const crf = await bundledFiles(`${name}/crf`);
  return { model, config: pipelineConfig(config), ...(crf ? { crf } : {}) };
}

/** Which bundled pairs this build has ('3d', '2d'). */
export function bundledPairs(): Array<'3d' | '2d'> {
  return (['3d', '2d'] as const).filter((d) => find(modelJsons, `/pnet${d}/model.json`) && find(modelJsons, `/rnet${d}/model.json`));
}

/** The bundled P-Net/R-Net pair of dimension `dim`, with their CRF stages. */
export async function bundledNetworks(dim: '3d' | '2d'): Promise<PipelineNetworks> {
  const [pnet, rnet] = await Promise.all([bundledNet(`pnet${dim}`), bundledNet(`rnet${dim}`)]);
  if (!pnet || !rnet) throw new AppError(`this build has no bundled ${dim.toUpperCase()} P-Net/R-Net pair`);
  return { pnet, rnet };
}

/** The bundled sample: its image and, when bundled, its label map (`*_seg.nii.gz`). */
export async function bundledSample(): Promise<{ image: File; label?: File }> {
  const image = Object.entries(sampleUrls).find(([path]) => !/_seg\.nii\.gz$/.test(path));
  if (!image) throw new AppError('this build has no bundled sample volume');
  const label = Object.entries(sampleUrls).find(([path]) => /_seg\.nii\.gz$/.test(path));
  const file = async ([path, url]: [string, string]) => new File([await fetchBytes(url, 'the sample')], path.split('/').at(-1)!);
  return { image: await file(image), ...(label ? { label: await file(label) } : {}) };
}
