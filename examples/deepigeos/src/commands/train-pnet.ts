/**
 * `deepigeos train-pnet`: train P-Net on a dataset.
 * @module
 */
import type { Command } from '../cli/command.js';
import { describeSchema } from '../config.js';
import { trainPNet } from '../train/train-pnet.js';
import { TRAIN_PNET_SCHEMA } from '../train/schema.js';
import { runInterruptible } from './interrupt.js';
import { TRAIN_FLAGS, trainConfigFromFlags } from './train-options.js';

/** The `train-pnet` command. */
export const trainPNetCommand: Command = {
  name: 'train-pnet',
  summary: 'Train P-Net (2D or 3D) with a progress bar, TensorBoard events, a JSONL log, the best checkpoint by validation Dice and an HTML report.',
  usage: '--images GLOB --labels GLOB --dim 2|3 --out DIR [--config FILE] [--epochs N] [--max-minutes M] [--patch N] [--channels C] [--batch B] [--seed S] [--resume]',
  flags: TRAIN_FLAGS,
  details: () =>
    [
      'Config file keys (JSON; unknown keys and wrong types are errors):',
      ...describeSchema(TRAIN_PNET_SCHEMA),
      '',
      'Example:',
      '  deepigeos synth --out data/phantoms --cases 12',
      '  deepigeos train-pnet --images "data/phantoms/*/*_flair.nii.gz" --labels "data/phantoms/*/*_seg.nii.gz" --dim 2 --out runs/pnet2d',
      'Ctrl-C saves a checkpoint; continue with --resume.',
    ].join('\n'),
  async run(flags) {
    const { config, out, resume } = trainConfigFromFlags('train-pnet', flags, TRAIN_PNET_SCHEMA);
    await runInterruptible(out, (signal) => trainPNet(config, { out, resume, signal }));
  },
};
