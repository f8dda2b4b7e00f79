import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Importing the layer modules registers their classes for deserialisation.
import '../layers/batch-norm.js';
import '../layers/channel-concat.js';
import '../layers/dilated-conv.js';
import '../layers/pnet-block.js';
import { modelArtifacts } from '../inference/window-predictor.js';
import { nodeOnly } from '../platform.js';
import { validatedPredict } from '../validate.js';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /**
   * Also save this optimizer's state (class, config and slots such as Adam's moments), so that
   * training resumes exactly where it stopped ({@link loadTrainingCheckpoint}).
   */
  optimizer?: tf.Optimizer;
}

/** A model and, when it was saved with one, its optimizer, as read by {@link loadTrainingCheckpoint}. */
export interface TrainingCheckpoint {
  model: tfl.LayersModel;
  /** The restored optimizer (same class, config and state), if the checkpoint holds one. */
  optimizer?: tf.Optimizer;
}

/** Where the optimizer's class and config live in the artifacts' `userDefinedMetadata`. */
interface OptimizerMetadata {
  className: string;
  config: tf.serialization.ConfigDict;
}

/**
 * Saves a model in the tfjs layers format. `destination` is either a tfjs URL (`indexeddb://name`,
 * `localstorage://name`, `downloads://name`, `http(s)://…`) or, in Node, a directory path, which
 * receives `model.json` and `weights.bin`, each written to a temporary file and renamed into
 * place (an interrupted save leaves the previous files intact).
 *
 * With `options.optimizer`, its state is stored too, the tfjs layers way: weights of group
 * `'optimizer'` after the model's in the same weight file, the optimizer's class and config in
 * `userDefinedMetadata.optimizer`. Plain tfjs-layers `loadLayersModel` still reads such a checkpoint
 * (it skips the optimizer weights).
 */
export async function saveCheckpoint(
  model: tfl.LayersModel,
  destination: string,
  options: SaveCheckpointOptions = {},
): Promise<tf.io.SaveResult> {
  const artifacts: tf.io.ModelArtifacts = { ...(await modelArtifacts(model)), format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}` };
  if (options.optimizer !== undefined) {
    const optimizer = options.optimizer;
    const encoded = await tf.io.encodeWeights(await optimizer.getWeights(), 'optimizer');
    artifacts.weightSpecs = [...artifacts.weightSpecs!, ...encoded.specs];
    artifacts.weightData = tf.io.concatenateArrayBuffers([artifacts.weightData as ArrayBuffer, encoded.data]);
    const metadata: OptimizerMetadata = { className: optimizer.getClassName(), config: optimizer.getConfig() };
    artifacts.userDefinedMetadata = { optimizer: metadata as unknown as Record<string, unknown> };
  }
  if (URL_SCHEME.test(destination)) {
    const handlers = tf.io.getSaveHandlers(destination);
    if (handlers.length === 0) throw new Error(`saveCheckpoint: no tfjs save handler for '${destination}'`);
    return handlers[0]!.save!(artifacts);
  }
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata }),
  };
  // model.json last: it names the weights, so it must not point at a half-written file.
  await nodeOnly('writeFiles', 'saveCheckpoint to a directory')(destination, [
    ['weights.bin', new Uint8Array(artifacts.weightData as ArrayBuffer)],
    ['model.json', JSON.stringify(modelJson)],
  ]);
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

/**
 * Loads a model saved by {@link saveCheckpoint} (or any tfjs layers model using this package's
 * layers): a tfjs URL (`indexeddb://name`, `http(s)://…/model.json`, …) or, in Node, the
 * directory written by {@link saveCheckpoint}. Its `predict` validates inputs like the factories'
 * models do. Optimizer state, if any, is ignored ({@link loadTrainingCheckpoint} restores it).
 */
export async function loadCheckpoint(source: string): Promise<tfl.LayersModel> {
  return (await loadTrainingCheckpoint(source, false)).model;
}

/**
 * Loads a checkpoint with its optimizer: the model as {@link loadCheckpoint} does, and the
 * optimizer saved with `saveCheckpoint(model, destination, { optimizer })` rebuilt from its class
 * and config with its state (iteration count, moments) restored. `optimizer` is undefined when
 * the checkpoint holds none.
 *
 * @example
 * ```ts
 * await saveCheckpoint(model, 'ckpt', { optimizer });
 * const { model: resumed, optimizer: adam } = await loadTrainingCheckpoint('ckpt');
 * await trainStep(resumed, adam!, batch); // continues exactly as the original would
 * ```
 */
export async function loadTrainingCheckpoint(source: string, withOptimizer = true): Promise<TrainingCheckpoint> {
  const artifacts = await readArtifacts(source);
  const specs = artifacts.weightSpecs ?? [];
  const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  // Model weights come first in the weight file, optimizer weights (group 'optimizer') after.
  const modelSpecs = specs.filter((s) => s.group !== 'optimizer');
  const modelBytes = modelSpecs.reduce((n, s) => n + byteSize(s), 0);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: modelSpecs, weightData: weights.slice(0, modelBytes) }),
  );
  validatedPredict(model);
  const metadata = artifacts.userDefinedMetadata?.['optimizer'] as OptimizerMetadata | undefined;
  if (!withOptimizer || metadata === undefined) return { model };
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[metadata.className];
  if (entry === undefined) throw new Error(`loadTrainingCheckpoint: unknown optimizer class '${metadata.className}'`);
  const [cls, fromConfig] = entry;
  const optimizer = fromConfig(cls, metadata.config) as tf.Optimizer;
  const state = tf.io.decodeWeights(weights.slice(modelBytes), specs.filter((s) => s.group === 'optimizer'));
  await optimizer.setWeights(Object.entries(state).map(([name, tensor]) => ({ name, tensor })));
  return { model, optimizer };
}

/** Bytes of one weight in a tfjs weight file. */
function byteSize(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.quantization !== undefined) throw new Error(`loadCheckpoint: quantised weight '${spec.name}' is not supported`);
  return count * (spec.dtype === 'bool' ? 1 : 4);
}

/** The artifacts of a checkpoint URL or (Node) directory. */
async function readArtifacts(source: string): Promise<tf.io.ModelArtifacts> {
  if (URL_SCHEME.test(source)) {
    const handlers = tf.io.getLoadHandlers(source);
    if (handlers.length === 0) throw new Error(`loadCheckpoint: no tfjs load handler for '${source}'`);
    return handlers[0]!.load!();
  }
  const read = nodeOnly('readFile', 'loadCheckpoint from a directory');
  const modelJson = JSON.parse(new TextDecoder().decode(await read(source, 'model.json'))) as tf.io.ModelJSON;
  const weights = await read(source, 'weights.bin');
  return {
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    ...(modelJson.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: modelJson.userDefinedMetadata }),
  };
}
