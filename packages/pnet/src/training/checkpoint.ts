import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Importing the layer modules registers their classes for deserialisation.
import '../layers/batch-norm.js';
import '../layers/channel-concat.js';
import '../layers/dilated-conv.js';
import '../layers/pnet-block.js';
import { CheckpointError } from '../errors.js';
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
  const specs = checkedSpecs(artifacts.weightSpecs, source);
  const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const needed = specs.reduce((n, s) => n + byteSize(s, source), 0);
  if (weights.byteLength !== needed) {
    throw new CheckpointError(`${source}: the weight data has ${weights.byteLength} bytes, but the manifest's ${specs.length} weights need ${needed} (truncated or mismatched weights.bin?)`);
  }
  // Model weights come first in the weight file, optimizer weights (group 'optimizer') after.
  const modelSpecs = specs.filter((s) => s.group !== 'optimizer');
  const modelBytes = modelSpecs.reduce((n, s) => n + byteSize(s, source), 0);
  checkGraph(artifacts.modelTopology, source);
  const model = await asCheckpointError(source, () =>
    tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: modelSpecs, weightData: weights.slice(0, modelBytes) })),
  );
  validatedPredict(model);
  const metadata = artifacts.userDefinedMetadata?.['optimizer'] as OptimizerMetadata | undefined;
  if (!withOptimizer || metadata === undefined) return { model };
  if (metadata === null || typeof metadata !== 'object') throw new CheckpointError(`${source}: userDefinedMetadata.optimizer must be an object`);
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[metadata.className];
  if (entry === undefined) throw new CheckpointError(`${source}: unknown optimizer class '${metadata.className}'`);
  const [cls, fromConfig] = entry;
  const optimizer = await asCheckpointError(source, async () => fromConfig(cls, metadata.config) as tf.Optimizer);
  const state = tf.io.decodeWeights(weights.slice(modelBytes), specs.filter((s) => s.group === 'optimizer'));
  await optimizer.setWeights(Object.entries(state).map(([name, tensor]) => ({ name, tensor })));
  return { model, optimizer };
}

/** Runs `load`, reporting any failure (a malformed topology or config) as a CheckpointError naming `source`. */
async function asCheckpointError<T>(source: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${source}: cannot build the saved model (${(e as Error)?.message ?? String(e)})`);
  }
}

type LayerEntry = { name?: unknown; inbound_nodes?: unknown };

/**
 * Checks that a functional model's layer graph is well formed before tfjs builds it: every
 * inbound node and model input/output names a layer of the model, and the graph has no cycle.
 * (tfjs-layers 4.22 loops forever on a dangling or cyclic inbound reference.)
 */
function checkGraph(topology: unknown, source: string): void {
  const t = topology as { class_name?: unknown; config?: { layers?: unknown; input_layers?: unknown; output_layers?: unknown } } | null;
  if (t === null || typeof t !== 'object') throw new CheckpointError(`${source}: the model topology must be an object`);
  const config = t.config;
  if (t.class_name !== 'Model' && t.class_name !== 'Functional') return;
  if (config === null || typeof config !== 'object' || !Array.isArray(config.layers)) throw new CheckpointError(`${source}: a functional model's config must list its layers`);
  const inbound = new Map<string, string[]>();
  for (const layer of config.layers as (LayerEntry | null)[]) {
    if (layer === null || typeof layer !== 'object' || typeof layer.name !== 'string') throw new CheckpointError(`${source}: every layer needs a name`);
    if (inbound.has(layer.name)) throw new CheckpointError(`${source}: layer name '${layer.name}' is used twice`);
    inbound.set(layer.name, nodeLayerNames(layer.inbound_nodes ?? [], `layer '${layer.name}'`, source, 3));
  }
  const ends = [...nodeLayerNames([config.input_layers ?? []], 'input_layers', source, 2), ...nodeLayerNames([config.output_layers ?? []], 'output_layers', source, 2)];
  for (const [name, from] of [...inbound, ['the model', ends] as const]) {
    for (const f of from) if (!inbound.has(f)) throw new CheckpointError(`${source}: ${name === 'the model' ? name : `layer '${name}'`} refers to a layer '${f}' that does not exist`);
  }
  // Depth-first search for a cycle (0 unvisited, 1 on the stack, 2 done).
  const state = new Map<string, number>();
  const visit = (name: string): void => {
    state.set(name, 1);
    for (const f of inbound.get(name)!) {
      if (state.get(f) === 1) throw new CheckpointError(`${source}: the layer graph has a cycle through '${f}'`);
      if (state.get(f) === undefined) visit(f);
    }
    state.set(name, 2);
  };
  for (const name of inbound.keys()) if (state.get(name) === undefined) visit(name);
}

/**
 * The layer names of inbound nodes (`[[[name, nodeIndex, tensorIndex, kwargs], …], …]`, depth 3)
 * or of a model's input/output list (`[[name, nodeIndex, tensorIndex], …]` wrapped once, depth 2).
 */
function nodeLayerNames(nodes: unknown, what: string, source: string, depth: 2 | 3): string[] {
  const bad = () => new CheckpointError(`${source}: ${what} must be lists of [layerName, nodeIndex, tensorIndex] references`);
  if (!Array.isArray(nodes)) throw bad();
  const names: string[] = [];
  for (const node of nodes) {
    if (!Array.isArray(node)) throw bad();
    for (const ref of depth === 3 ? node : [node]) {
      const refs = depth === 3 ? [ref] : (ref as unknown[]);
      if (!Array.isArray(refs)) throw bad();
      for (const r of refs) {
        if (!Array.isArray(r) || typeof r[0] !== 'string') throw bad();
        names.push(r[0]);
      }
    }
  }
  return names;
}

const DTYPES = new Set(['float32', 'int32', 'bool']);
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The manifest's weight entries, each checked for a name, a known dtype and a shape of counts. */
function checkedSpecs(specs: unknown, source: string): tf.io.WeightsManifestEntry[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) throw new CheckpointError(`${source}: the weights manifest must list weights in an array`);
  specs.forEach((s: Partial<tf.io.WeightsManifestEntry> | null, i) => {
    const ok = s !== null && typeof s === 'object' && typeof s.name === 'string' && DTYPES.has(String(s.dtype)) && Array.isArray(s.shape) && s.shape.every(isCount);
    if (!ok) throw new CheckpointError(`${source}: weight ${i} of the manifest must be { name, shape: [counts], dtype: float32|int32|bool }, got ${JSON.stringify(s)?.slice(0, 200)}`);
  });
  return specs as tf.io.WeightsManifestEntry[];
}

/** Bytes of one weight in a tfjs weight file. */
function byteSize(spec: tf.io.WeightsManifestEntry, source: string): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.quantization !== undefined) throw new CheckpointError(`${source}: quantised weight '${spec.name}' is not supported`);
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
  const modelJson = parseModelJson(await readChecked(read, source, 'model.json'), `${source}/model.json`);
  const weights = await readChecked(read, source, 'weights.bin');
  return {
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    ...(modelJson.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: modelJson.userDefinedMetadata }),
  };
}

async function readChecked(read: (dir: string, name: string) => Promise<Uint8Array>, dir: string, name: string): Promise<Uint8Array> {
  try {
    return await read(dir, name);
  } catch (e) {
    throw new CheckpointError(`${dir}/${name}: cannot read (${(e as Error).message})`);
  }
}

/**
 * A model.json checked for the parts this loader uses: a topology object and a manifest of
 * `weights.bin` groups.
 */
function parseModelJson(bytes: Uint8Array, file: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CheckpointError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const m = json as Partial<tf.io.ModelJSON> | null;
  if (m === null || typeof m !== 'object' || m.modelTopology === null || typeof m.modelTopology !== 'object') {
    throw new CheckpointError(`${file}: expected a tfjs layers model.json with a "modelTopology" object`);
  }
  const manifest = m.weightsManifest;
  if (!Array.isArray(manifest) || !manifest.every((g) => g !== null && typeof g === 'object' && Array.isArray(g.weights))) {
    throw new CheckpointError(`${file}: "weightsManifest" must be an array of { paths, weights: [...] } groups`);
  }
  if (m.userDefinedMetadata !== undefined && (m.userDefinedMetadata === null || typeof m.userDefinedMetadata !== 'object')) {
    throw new CheckpointError(`${file}: "userDefinedMetadata" must be an object`);
  }
  return m as tf.io.ModelJSON;
}
