/**
 * `deepigeos synth`: write synthetic BraTS-layout phantoms so every command runs without downloads.
 * @module
 */
import type { Command } from '../cli/command.js';
import { checkOutputs } from '../cli/outputs.js';
import { writeBratsPhantoms } from '../data/phantom.js';
import { UsageError } from '../errors.js';

/** The `synth` command. */
export const synthCommand: Command = {
  name: 'synth',
  summary: 'Generate synthetic brain phantoms with tumour-like lesions (bias field, noise) as NIfTI in the BraTS 2021 layout.',
  usage: '--out DIR [--cases N] [--seed S] [--shape D,H,W] [--noise X] [--bias-field X] [--distractors N] [--prefix NAME] [--anatomy simple|rich] [--skull]',
  flags: {
    out: { type: 'string', value: 'DIR', help: 'output folder (one sub-folder per case)' },
    cases: { type: 'string', value: 'N', help: 'number of cases (default 8)' },
    seed: { type: 'string', value: 'S', help: 'seed of the first case; case k uses S + k (default 0)' },
    shape: { type: 'string', value: 'D,H,W', help: 'volume shape (default 32,64,64)' },
    noise: { type: 'string', value: 'X', help: 'Gaussian noise std relative to white matter (default 0.04)' },
    'bias-field': { type: 'string', value: 'X', help: 'bias field strength, std of its log coefficients (default 0.15)' },
    distractors: { type: 'string', value: 'N', help: 'maximum lesion look-alikes per case (default 3)' },
    prefix: { type: 'string', value: 'NAME', help: 'case name prefix (default Phantom): <prefix>_001, …' },
    anatomy: {
      type: 'string',
      value: 'simple|rich',
      help: 'simple (default): ellipsoidal brain; rich: irregular outline, folded cortex with sulci, deep grey nuclei, partial-volume edges',
    },
    skull: { type: 'boolean', help: 'with --anatomy rich: add skull and scalp (an unstripped head, non-zero background)' },
  },
  async run(flags) {
    const out = flags.required('out');
    checkOutputs('synth', [{ flag: '--out', path: out, kind: 'dir' }]);
    const shapeText = flags.string('shape') ?? '32,64,64';
    const shape = shapeText.split(',').map(Number);
    if (shape.length !== 3 || shape.some((s) => !Number.isInteger(s) || s < 8 || s > 512)) {
      throw new UsageError(`synth: --shape must be three integers in 8..512 like 32,64,64, got ${JSON.stringify(shapeText)}`);
    }
    const anatomy = flags.string('anatomy') ?? 'simple';
    if (anatomy !== 'simple' && anatomy !== 'rich') throw new UsageError(`synth: --anatomy must be simple or rich, got ${JSON.stringify(anatomy)}`);
    if (flags.bool('skull') && anatomy !== 'rich') throw new UsageError('synth: --skull needs --anatomy rich');
    const names = await writeBratsPhantoms(out, {
      anatomy,
      skull: flags.bool('skull'),
      cases: flags.number('cases', { integer: true, min: 1, max: 10000 }) ?? 8,
      seed: flags.number('seed', { integer: true }) ?? 0,
      shape: shape as [number, number, number],
      noise: flags.number('noise', { min: 0, max: 10 }) ?? 0.04,
      biasField: flags.number('bias-field', { min: 0, max: 5 }) ?? 0.15,
      distractors: flags.number('distractors', { integer: true, min: 0, max: 50 }) ?? 3,
      prefix: flags.string('prefix') ?? 'Phantom',
    });
    process.stdout.write(`wrote ${names.length} cases to ${out} (${names[0]} … ${names[names.length - 1]})\n`);
  },
};
