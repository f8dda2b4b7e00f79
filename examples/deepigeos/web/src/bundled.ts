// Assets shipped with the app: the sample volume and the pretrained networks committed in
// examples/deepigeos/weights (tfjs layers format: model.json + weights.bin per network).
import type * as tf from '@tensorflow/tfjs-core';

/** A bundled network: its model.json content and the URL of its weights file. */
export interface BundledModel {
  modelJson: { modelTopology: tf.io.ModelJSON['modelTopology']; weightsManifest: tf.io.WeightsManifestConfig };
  weightsUrl: string;
}

const modelJsons = import.meta.glob<BundledModel['modelJson']>('../../weights/*/model.json', { eager: true, import: 'default' });
const weightUrls = import.meta.glob<string>('../../weights/*/weights.bin', { eager: true, query: '?url', import: 'default' });
const sampleUrls = import.meta.glob<string>('../../weights/sample/*.nii.gz', { eager: true, query: '?url', import: 'default' });

/** Names of the bundled networks (folder names, e.g. 'pnet-3d'). */
export function bundledModelNames(): string[] {
  return Object.keys(modelJsons).map((path) => path.split('/').at(-2)!);
}

/** The bundled network `name`, or undefined when it is not bundled. */
export function bundledModel(name: string): BundledModel | undefined {
  const modelJson = modelJsons[`../../weights/${name}/model.json`];
  const weightsUrl = weightUrls[`../../weights/${name}/weights.bin`];
  return modelJson && weightsUrl ? { modelJson, weightsUrl } : undefined;
}

/** URL and file name of the bundled sample image (the first `*.nii.gz` that is not a label map). */
export function bundledSample(): { url: string; name: string } | undefined {
  const entry = Object.entries(sampleUrls).find(([path]) => !/_seg\.nii\.gz$/.test(path));
  return entry ? { url: entry[1], name: entry[0].split('/').at(-1)! } : undefined;
}
