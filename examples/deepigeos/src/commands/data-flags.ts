/**
 * Dataset flags of the inference commands (`evaluate`): the same layouts as training, defaulting
 * to the trained network's dataset settings for what the flags leave out (label values,
 * modalities).
 * @module
 */
import type { FlagSpec, Flags } from '../cli/command.js';
import { validateConfig } from '../config.js';
import { DATA_SCHEMA, type TrainConfig } from '../train/schema.js';
import { TRAIN_FLAGS } from './train-options.js';

/** `--images`, `--labels`, `--pairs`, `--dataset`, `--root`, `--modalities`, `--class`, `--image-set`. */
export const DATA_FLAGS: Record<string, FlagSpec> = Object.fromEntries(
  ['images', 'labels', 'pairs', 'dataset', 'root', 'modalities', 'class', 'image-set'].map((k) => [k, TRAIN_FLAGS[k]!]),
);

/** Dataset settings from flags, inheriting label values/modalities/class from the trained net. */
export function dataFromFlags(flags: Flags, trained: TrainConfig['data']): TrainConfig['data'] {
  const raw: Record<string, unknown> = {
    format: flags.string('dataset') ?? (flags.has('pairs') ? 'pairs' : flags.has('images') ? 'glob' : trained.format),
    modalities: flags.has('modalities') ? flags.required('modalities').split(',').map((m) => m.trim()) : trained.modalities,
    classIndex: flags.number('class', { integer: true, min: 1, max: 20 }) ?? trained.classIndex,
    imageSet: flags.string('image-set') ?? (trained.format === 'voc' ? 'val' : trained.imageSet),
    foreground: trained.foreground ?? null,
    channels: trained.channels ?? null,
  };
  for (const k of ['images', 'labels', 'pairs', 'root'] as const) if (flags.has(k)) raw[k] = flags.string(k);
  return validateConfig(raw, DATA_SCHEMA, 'dataset flags') as unknown as TrainConfig['data'];
}
