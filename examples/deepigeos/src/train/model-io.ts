/**
 * Model folders on disk: tfjs layers format (`model.json` + `weights.bin`, loadable by
 * `tf.loadLayersModel` in browsers) written atomically (temp folder, then rename) so an
 * interruption never leaves a half-written model, plus optimiser state for resumable checkpoints.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadCheckpoint, saveCheckpoint } from '@deepigeos/pnet';
import { UsageError } from '../errors.js';
import { modelFromTorchWeights } from '../pipeline/torch-weights.js';

/** Replaces `dir` by the folder `fill` writes, so readers never see a half-written model. */
export async function writeDirAtomically(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await fill(tmp);
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Saves a model atomically to `dir` (tfjs layers format via pnet's `saveCheckpoint`), replacing an older one. */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true });
  await writeDirAtomically(dir, async (tmp) => {
    await saveCheckpoint(model, tmp);
  });
}

/**
 * Loads a model folder written by the training commands (`model.json` + `weights.bin`).
 * @throws UsageError if `dir` has no model.json
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  if (!existsSync(join(dir, 'model.json'))) {
    throw new UsageError(`no model.json in ${dir} (expected a folder written by deepigeos train-pnet/train-rnet)`);
  }
  return loadCheckpoint(dir);
}

/** File name of PyTorch weights in a model folder (written by examples/torch/train.py). */
export const TORCH_WEIGHTS = 'model.safetensors';

/**
 * Loads a model folder holding PyTorch weights (`model.safetensors`, a `state_dict()` as
 * `importTorchStateDict` reads it) with no conversion step: the P-Net/R-Net is built from the
 * weights' own shapes and the training config's dropout (see {@link modelFromTorchWeights}).
 * @throws UsageError if the file is missing or its weights fit no P-Net/R-Net
 */
export function loadTorchModel(dir: string, config: { dropout?: number }): tfl.LayersModel {
  const file = join(dir, TORCH_WEIGHTS);
  if (!existsSync(file)) throw new UsageError(`no ${TORCH_WEIGHTS} in ${dir}`);
  return modelFromTorchWeights(new Uint8Array(readFileSync(file)), config.dropout ?? 0.5, file);
}

/** Writes optimiser state (e.g. Adam moments and iteration count) as `optimizer.json` + `.bin`. */
export async function saveOptimizerFiles(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const weights = await optimizer.getWeights();
  const specs = [];
  const chunks: Float32Array[] = [];
  for (const w of weights) {
    specs.push({ name: w.name, shape: w.tensor.shape });
    chunks.push((await w.tensor.data()) as Float32Array);
  }
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  writeFileSync(join(dir, 'optimizer.json'), JSON.stringify(specs));
  writeFileSync(join(dir, 'optimizer.bin'), new Uint8Array(all.buffer));
}

/** Restores optimiser state written by {@link saveOptimizerFiles}. */
export async function loadOptimizerFiles(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const specs = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as { name: string; shape: number[] }[];
  const bytes = readFileSync(join(dir, 'optimizer.bin'));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let o = 0;
  const named = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(all.subarray(o, o + n), s.shape, 'float32');
    o += n;
    return { name: s.name, tensor };
  });
  await optimizer.setWeights(named);
}
