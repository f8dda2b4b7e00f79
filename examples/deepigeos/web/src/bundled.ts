// Assets built into the app: the sample volume and the pretrained networks (tfjs layers format:
// model.json + weights.bin per network) from the folder vite.config.ts aliases as
// '@deepigeos-web-assets' (examples/deepigeos/weights unless DEEPIGEOS_WEB_ASSETS says otherwise).
import type * as tf from '@tensorflow/tfjs-core';

/** A bundled network: its model.json content and the URL of its weights file. */
export interface BundledModel {
  modelJson: { modelTopology: tf.io.ModelJSON['modelTopology']; weightsManifest: tf.io.WeightsManifestConfig };
  weightsUrl: string;
}

const modelJsons = import.meta.glob<BundledModel['modelJson']>('@deepigeos-web-assets/*/model.json', { eager: true, import: 'default' });
const weightUrls = import.meta.glob<string>('@deepigeos-web-assets/*/weights.bin', { eager: true, query: '?url', import: 'default' });
const sampleUrls = import.meta.glob<string>('@deepigeos-web-assets/sample/*.nii.gz', { eager: true, query: '?url', import: 'default' });

/** Names of the bundled networks (folder names, e.g. 'pnet-3d'). */
export function bundledModelNames(): string[] {
  return Object.keys(modelJsons).map((path) => path.split('/').at(-2)!);
}

/** The bundled network `name`, or undefined when it is not bundled. */
export function bundledModel(name: string): BundledModel | undefined {
  const find = <T>(files: Record<string, T>, file: string) => Object.entries(files).find(([path]) => path.endsWith(`/${name}/${file}`))?.[1];
  const modelJson = find(modelJsons, 'model.json');
  const weightsUrl = find(weightUrls, 'weights.bin');
  return modelJson && weightsUrl ? { modelJson, weightsUrl } : undefined;
}

/** URL and file name of the bundled sample image (the first `*.nii.gz` that is not a label map). */
export function bundledSample(): { url: string; name: string } | undefined {
  const entry = Object.entries(sampleUrls).find(([path]) => !/_seg\.nii\.gz$/.test(path));
  return entry ? { url: entry[1], name: entry[0].split('/').at(-1)! } : undefined;
}
