// Assets built into the app (see vite.config.ts): the trained networks as written by
// `deepigeos train-pnet` / `train-rnet` (`<name>/model.json` + `weights.bin` + `config.json`,
// optionally `<name>/crf/` with the CRF-Net layer) or run folders of examples/torch/train.py
// (`<name>/config.json`, `<name>/best/model.safetensors`), and the sample volume(s).
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A bundled network: a tfjs layers model (its model.json content and the URL of its weights
 * file), or PyTorch weights written by examples/torch/train.py (the URL of `model.safetensors`).
 */
export type BundledModel = { modelJson: ModelJson; weightsUrl: string } | { safetensorsUrl: string };

/** The parts of a tfjs model.json the app reads. */
export interface ModelJson {
  modelTopology: tf.io.ModelJSON['modelTopology'];
  weightsManifest: tf.io.WeightsManifestConfig;
}

/** The training configuration fields the app uses. */
export interface BundledConfig {
  dim: 2 | 3;
  sliceAxis?: number;
  /** Classifier dropout rate (used when building a net from PyTorch weights). */
  dropout?: number;
  /** Geodesic λ the R-Net was trained with (default 1). */
  lambda?: number;
  preprocess?: { cropMargin?: number };
}

const modelJsons = import.meta.glob<ModelJson>('@deepigeos-web-weights/**/model.json', { eager: true, import: 'default' });
const weightUrls = import.meta.glob<string>('@deepigeos-web-weights/**/weights.bin', { eager: true, query: '?url', import: 'default' });
const safetensorsUrls = import.meta.glob<string>('@deepigeos-web-weights/**/model.safetensors', { eager: true, query: '?url', import: 'default' });
const configs = import.meta.glob<BundledConfig>('@deepigeos-web-weights/*/config.json', { eager: true, import: 'default' });
const sampleUrls = import.meta.glob<string>('@deepigeos-web-sample/**/*.nii.gz', { eager: true, query: '?url', import: 'default' });

function find<T>(files: Record<string, T>, suffix: string): T | undefined {
  return Object.entries(files).find(([path]) => path.endsWith(suffix))?.[1];
}

/** Folders with a bundled model (e.g. 'pnet2d', 'pnet2d/crf'). */
export function bundledModelNames(): string[] {
  const tfjs = Object.keys(modelJsons).map((path) => path.replace(/^.*?weights\//, '').replace(/\/model\.json$/, ''));
  const torch = Object.keys(safetensorsUrls).map((path) => path.replace(/^.*?weights\//, '').replace(/(\/(best|model))?\/model\.safetensors$/, ''));
  return [...new Set([...tfjs, ...torch])];
}

/**
 * The bundled model in folder `name` (e.g. 'pnet2d' or 'pnet2d/crf'), or undefined: tfjs files
 * in the folder, else `model.safetensors` in `best/`, `model/` or the folder itself (a run folder
 * of examples/torch/train.py, as the CLI resolves it).
 */
export function bundledModel(name: string): BundledModel | undefined {
  const modelJson = find(modelJsons, `/${name}/model.json`);
  const weightsUrl = find(weightUrls, `/${name}/weights.bin`);
  if (modelJson && weightsUrl) return { modelJson, weightsUrl };
  for (const sub of ['/best', '/model', '']) {
    const safetensorsUrl = find(safetensorsUrls, `/${name}${sub}/model.safetensors`);
    if (safetensorsUrl) return { safetensorsUrl };
  }
  return undefined;
}

/** The training configuration saved next to bundled model `name`, or undefined. */
export function bundledConfig(name: string): BundledConfig | undefined {
  return find(configs, `/${name}/config.json`);
}

/** URL and file name of the bundled sample image (the first `*.nii.gz` that is not a label map). */
export function bundledSample(): { url: string; name: string } | undefined {
  const entry = Object.entries(sampleUrls).find(([path]) => !/_seg\.nii\.gz$/.test(path));
  return entry ? { url: entry[1], name: entry[0].split('/').at(-1)! } : undefined;
}
