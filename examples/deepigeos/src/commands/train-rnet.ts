/**
 * `deepigeos train-rnet`: train R-Net on simulated interactions against a frozen P-Net.
 * @module
 */
import { initBackend } from '@deepigeos/pnet';
import type { Command } from '../cli/command.js';
import { describeSchema } from '../config.js';
import { UsageError } from '../errors.js';
import { loadTrainedNet } from '../pipeline/networks.js';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA } from '../train/schema.js';
import { trainRNet } from '../train/train-rnet.js';
import { runInterruptible } from './interrupt.js';
import { TRAIN_FLAGS, trainConfigFromFlags } from './train-options.js';

/** The `train-rnet` command. */
export const trainRNetCommand: Command = {
  name: 'train-rnet',
  summary: 'Train R-Net (+ CRF-Net(fu) with --crf) on simulated user clicks against a frozen P-Net.',
  usage: '--images GLOB --labels GLOB --pnet DIR --out DIR [--dim 2|3] [--lambda L] [--crf] [training flags as train-pnet]',
  flags: {
    ...TRAIN_FLAGS,
    pnet: { type: 'string', value: 'DIR', help: 'trained P-Net folder (from train-pnet, or the bundled weights)' },
    lambda: { type: 'string', value: 'L', help: 'geodesic λ in [0, 1] (1 = image-gradient geodesic, default; 0 = Euclidean)' },
    scribbles: { type: 'boolean', help: 'simulate scribbles instead of clicks' },
  },
  details: () => ['Config file keys (JSON; unknown keys and wrong types are errors):', ...describeSchema(TRAIN_RNET_SCHEMA)].join('\n'),
  async run(flags) {
    const { config, out, resume } = trainConfigFromFlags('train-rnet', flags, TRAIN_RNET_SCHEMA, (raw) => {
      if (flags.has('pnet')) raw['pnet'] = flags.string('pnet');
      const lambda = flags.number('lambda', { min: 0, max: 1 });
      if (lambda !== undefined) raw['lambda'] = lambda;
      if (flags.bool('scribbles')) raw['interactionMode'] = 'scribbles';
    });
    if (!config.pnet) throw new UsageError('train-rnet: missing required flag --pnet (or config key "pnet")');
    await initBackend(config.backend === 'auto' ? undefined : config.backend);
    const pnet = await loadTrainedNet(config.pnet, '--pnet', TRAIN_PNET_SCHEMA);
    await runInterruptible(out, (signal) => trainRNet(config, pnet, { out, resume, signal }));
  },
};
