import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Importing the layer modules registers their classes for deserialisation.
import '../layers/batch-norm.js';
import '../layers/dilated-conv.js';
import '../layers/pnet-block.js';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Saves a model in the tfjs layers format. `destination` is either a tfjs URL handled by
 * `model.save` (`indexeddb://name`, `localstorage://name`, `downloads://name`, `http(s)://…`) or,
 * in Node, a directory path, which receives `model.json` and `weights.bin`, each written to a
 * temporary file and renamed into place (an interrupted save leaves the previous files intact).
 * The optimizer state is not saved.
 */
export async function saveCheckpoint(model: tfl.LayersModel, destination: string): Promise<tf.io.SaveResult> {
  if (URL_SCHEME.test(destination)) return model.save(destination);
  const { mkdir, rename, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  // Each file goes to a temporary name first and is renamed into place once complete, so an
  // interrupted save never leaves a truncated file; model.json is renamed last, after its weights.
  const writeAtomically = async (name: string, data: string | Uint8Array) => {
    const path = join(destination, name);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, path);
  };
  return model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      await mkdir(destination, { recursive: true });
      const weightsManifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }];
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest,
      };
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await writeAtomically('weights.bin', new Uint8Array(weights));
      await writeAtomically('model.json', JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/**
 * Loads a model saved by {@link saveCheckpoint} (or any tfjs layers model using this package's
 * layers): a tfjs URL (`indexeddb://name`, `http(s)://…/model.json`, …) or, in Node, the
 * directory written by {@link saveCheckpoint}.
 */
export async function loadCheckpoint(source: string): Promise<tfl.LayersModel> {
  if (URL_SCHEME.test(source)) return tfl.loadLayersModel(source);
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const modelJson = JSON.parse(await readFile(join(source, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weights = await readFile(join(source, 'weights.bin'));
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}
