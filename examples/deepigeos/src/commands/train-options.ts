/**
 * Flags shared by `train-pnet` and `train-rnet`, and their merge with a JSON config file into a
 * validated {@link TrainConfig}. Flags override config keys; both are validated by one schema.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlagSpec, Flags } from '../cli/command.js';
import { loadConfigFile, type Schema, validateConfig } from '../config.js';
import { checkOutputs, type InputPath } from '../cli/outputs.js';
import { UsageError } from '../errors.js';
import { checkCheckpoint, repairRunFolder } from '../train/run-folder.js';
import type { TrainConfig } from '../train/schema.js';

/** Flags of both training commands. */
export const TRAIN_FLAGS: Record<string, FlagSpec> = {
  images: { type: 'string', value: 'GLOB', help: 'image files: a glob (quote it), e.g. "data/*/*_flair.nii.gz", or a comma-separated list of files/globs' },
  labels: { type: 'string', value: 'GLOB', help: 'label files: paired with images by file name, or by position when both are explicit file lists' },
  pairs: { type: 'string', value: 'FILE', help: 'CSV list of cases, one "image,label" line each (more columns = more channels; paths relative to the list)' },
  dataset: { type: 'string', value: 'FORMAT', help: 'glob (default with --images) | pairs (default with --pairs) | brats | msd | voc' },
  root: { type: 'string', value: 'DIR', help: 'dataset root for --dataset brats|msd|voc' },
  modalities: { type: 'string', value: 'LIST', help: 'BraTS modalities as channels, comma-separated (default flair)' },
  class: { type: 'string', value: 'K', help: 'VOC class index used as foreground (default 1 = aeroplane)' },
  'image-set': { type: 'string', value: 'NAME', help: 'VOC ImageSets/Segmentation list (default train; evaluate: val)' },
  dim: { type: 'string', value: '2|3', help: '2D (slices) or 3D (volume patches) network (default 2)' },
  out: { type: 'string', value: 'DIR', help: 'output folder (model, best, checkpoint, config.json, metrics.jsonl, report.html)' },
  config: { type: 'string', value: 'FILE', help: 'JSON config file (keys below); flags override it' },
  epochs: { type: 'string', value: 'N', help: 'epochs of --steps-per-epoch steps (default: train for the whole --max-minutes; 10 without it)' },
  'steps-per-epoch': { type: 'string', value: 'N', help: 'optimiser steps per epoch (default 50)' },
  'max-minutes': {
    type: 'string',
    value: 'M',
    help: 'time budget: without --epochs the run uses all M minutes (cosine LR over them, last weights validated, best checkpoint kept)',
  },
  patch: { type: 'string', value: 'N', help: 'side of square/cubic training patches (default 64 in 2D, 32 in 3D)' },
  channels: { type: 'string', value: 'C', help: 'network width (default 32 in 2D, 16 in 3D)' },
  batch: { type: 'string', value: 'B', help: 'batch size (default 4)' },
  lr: { type: 'string', value: 'X', help: 'Adam learning rate (default 0.001)' },
  seed: { type: 'string', value: 'S', help: 'random seed (default 0)' },
  backend: { type: 'string', value: 'NAME', help: 'auto (default) | wasm | cpu' },
  'log-dir': { type: 'string', value: 'DIR', help: 'TensorBoard log root (default experiments/logs)' },
  crf: {
    type: 'boolean',
    help: 'after the CNN, train a CRF-Net (f after P-Net, fu after R-Net): Pairwise-Net pre-training, CRF-only, then joint CNN + CRF training; saved in <out>/crf',
  },
  resume: { type: 'boolean', help: 'continue the interrupted run in --out with its saved config (--epochs, --max-minutes, --backend, --crf may change)' },
};

const RESUME_OVERRIDES = ['epochs', 'max-minutes', 'backend', 'crf'];

/** Copies the given flags into a raw config object (before validation). */
function applyFlags(raw: Record<string, unknown>, flags: Flags, extra: (raw: Record<string, unknown>) => void): void {
  const data = (raw['data'] ??= {}) as Record<string, unknown>;
  const num = (flag: string, key: string, o: { integer?: boolean; min?: number; max?: number } = {}) => {
    const v = flags.number(flag, o);
    if (v !== undefined) raw[key] = v;
  };
  if (flags.has('images')) {
    data['images'] = flags.string('images');
    data['format'] ??= 'glob';
  }
  if (flags.has('labels')) data['labels'] = flags.string('labels');
  if (flags.has('pairs')) {
    data['pairs'] = flags.string('pairs');
    data['format'] = 'pairs';
  }
  if (flags.has('dataset')) data['format'] = flags.string('dataset');
  if (flags.has('root')) data['root'] = flags.string('root');
  if (flags.has('modalities')) data['modalities'] = flags.required('modalities').split(',').map((m) => m.trim());
  if (flags.has('image-set')) data['imageSet'] = flags.string('image-set');
  if (flags.has('class')) data['classIndex'] = flags.number('class', { integer: true, min: 1, max: 20 });
  num('dim', 'dim', { integer: true, min: 2, max: 3 });
  num('epochs', 'epochs', { integer: true, min: 1 });
  num('steps-per-epoch', 'stepsPerEpoch', { integer: true, min: 1 });
  num('max-minutes', 'maxMinutes', { min: 0 });
  num('patch', 'patch', { integer: true, min: 8 });
  num('channels', 'channels', { integer: true, min: 1 });
  num('batch', 'batch', { integer: true, min: 1 });
  num('lr', 'learningRate', { min: 0 });
  num('seed', 'seed', { integer: true });
  if (flags.has('backend')) raw['backend'] = flags.string('backend');
  if (flags.has('log-dir')) raw['logDir'] = flags.string('log-dir');
  if (flags.bool('crf')) raw['crf'] = true;
  extra(raw);
}

/**
 * The validated config of a training command: `--config` file (if any) with flags applied, or,
 * with `--resume`, the config saved in `--out` (only --epochs, --max-minutes, --backend may change).
 * @throws UsageError / ConfigError with the offending flag or key named
 */
export function trainConfigFromFlags(
  command: string,
  flags: Flags,
  schema: Schema,
  extra: (raw: Record<string, unknown>) => void = () => {},
): { config: TrainConfig; out: string; resume: boolean } {
  const out = flags.required('out');
  const resume = flags.bool('resume');
  // Outputs first, before any data is read: a bad --out fails in milliseconds, not after loading.
  const inputs: InputPath[] = ['config', 'pnet'].filter((f) => flags.has(f)).map((f) => ({ flag: `--${f}`, path: flags.required(f) }));
  checkOutputs(command, [{ flag: '--out', path: out, kind: 'dir' }], inputs);
  repairRunFolder(out);
  if (resume) {
    const saved = join(out, 'config.json');
    if (!existsSync(join(out, 'checkpoint', 'state.json')) || !existsSync(saved)) {
      throw new UsageError(`${command} --resume: ${out} has no checkpoint to resume (expected ${join(out, 'checkpoint', 'state.json')})`);
    }
    const given = Object.keys(TRAIN_FLAGS).filter((f) => flags.has(f) && !['out', 'resume', ...RESUME_OVERRIDES].includes(f));
    if (given.length) {
      throw new UsageError(`${command} --resume continues the saved config in ${saved}; drop --${given.join(', --')} (only --${RESUME_OVERRIDES.join(', --')} may change)`);
    }
    checkCheckpoint(join(out, 'checkpoint'));
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(readFileSync(saved, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`${command} --resume: ${saved} is damaged (${(e as Error).message})`);
    }
    applyFlags(raw, flags, () => {});
    return { config: validateConfig(raw, schema, saved) as unknown as TrainConfig, out, resume };
  }
  if (existsSync(join(out, 'checkpoint'))) {
    throw new UsageError(`${command}: ${out} already holds a training run; pass --resume to continue it or choose another --out`);
  }
  const raw = flags.has('config') ? loadConfigFile(flags.required('config'), schema) : {};
  applyFlags(raw, flags, extra);
  const source = flags.string('config') ?? 'flags';
  return { config: validateConfig(raw, schema, source) as unknown as TrainConfig, out, resume };
}
