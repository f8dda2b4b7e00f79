/**
 * `deepigeos evaluate`: Dice/ASSD after P-Net, CRF-Net(f) and R simulated refinement rounds.
 * @module
 */
import { backendLabel } from '../cli/backend-label.js';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { initBackend } from '@deepigeos/pnet';
import type { Command } from '../cli/command.js';
import { loadCase } from '../data/load.js';
import { checkOutputs, cleanupOnSignal, removeFileTemps } from '../cli/outputs.js';
import { UsageError } from '../errors.js';
import { type CaseEvaluation, evaluateCase, type Score, summarise } from '../pipeline/evaluate.js';
import { checkNetPair, loadTrainedNet } from '../pipeline/networks.js';
import { datasetCases } from '../train/cases.js';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA } from '../train/schema.js';
import { DATA_FLAGS, dataFromFlags } from './data-flags.js';

const fmt = (s: Score | null) => (s ? `${s.dice.toFixed(4)} / ${s.assd === null ? '–' : s.assd.toFixed(2)}` : '–');

/** The `evaluate` command. */
export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Per-case and mean Dice/ASSD after P-Net, CRF-Net(f) and each of R simulated refinement rounds (R-Net + CRF-Net(fu)).',
  usage: '--images GLOB --labels GLOB --pnet DIR [--rnet DIR] --rounds R [--json FILE]',
  flags: {
    ...DATA_FLAGS,
    pnet: { type: 'string', value: 'DIR', help: 'trained P-Net folder' },
    rnet: { type: 'string', value: 'DIR', help: 'trained R-Net folder (needed for rounds > 0)' },
    rounds: { type: 'string', value: 'R', help: 'simulated refinement rounds (default 0 without --rnet, 1 with)' },
    json: { type: 'string', value: 'FILE', help: 'write { cases: [...], mean: { pnet, pnetCrf, rounds } } here' },
    seed: { type: 'string', value: 'S', help: 'seed of the simulated user (default 0)' },
    'min-clicks': {
      type: 'string',
      value: 'N',
      help: "fewest clicks per round while errors remain (default 0 = the paper's rule alone; 1 = also click small error regions)",
    },
    'roi-margin': {
      type: 'string',
      value: 'M',
      help: "3D with --rnet: segment inside the reference's bounding box grown by M voxels (a user-drawn box); default: whole volume",
    },
    backend: { type: 'string', value: 'NAME', help: 'auto (default) | wasm | cpu' },
  },
  details: () =>
    [
      "A 2D pipeline is evaluated on each 3D case's key slice (the slice with most foreground along its training slice axis).",
      'ASSD is in mm (voxel spacing); "–" when undefined (empty mask).',
      "Simulated user: the paper's rule (one click per started 100 voxels of each error region of ≥ 30 voxels); with",
      '--min-clicks N it also clicks the interior-most voxel of the largest remaining error regions until N clicks are placed.',
      'A round without clicks keeps the previous result.',
    ].join('\n'),
  async run(flags) {
    const pnetDir = flags.required('pnet');
    const rnetDir = flags.string('rnet');
    const rounds = flags.number('rounds', { integer: true, min: 0, max: 100 }) ?? (rnetDir ? 1 : 0);
    if (rounds > 0 && !rnetDir) throw new UsageError(`evaluate: --rounds ${rounds} needs --rnet DIR (R-Net refines the result)`);
    const json = flags.string('json');
    const nets = [{ flag: '--pnet', path: pnetDir }, ...(rnetDir ? [{ flag: '--rnet', path: rnetDir }] : [])];
    if (json) {
      checkOutputs('evaluate', [{ flag: '--json', path: json, kind: 'file' }], nets);
      removeFileTemps(json);
      cleanupOnSignal(() => removeFileTemps(json));
    }
    const requested = flags.string('backend') ?? 'auto';
    const backend = await initBackend(requested === 'auto' ? undefined : requested);
    const pnet = await loadTrainedNet(pnetDir, '--pnet', TRAIN_PNET_SCHEMA);
    const rnet = rnetDir ? await loadTrainedNet(rnetDir, '--rnet', TRAIN_RNET_SCHEMA) : undefined;
    if (rnet) checkNetPair(pnet, rnet, pnetDir, rnetDir!);
    const refs = datasetCases(dataFromFlags(flags, pnet.config.data));
    if (json) checkOutputs('evaluate', [{ flag: '--json', path: json, kind: 'file' }], refs.flatMap((r) => [...r.images, ...(r.label ? [r.label] : [])].map((path) => ({ flag: `case ${r.id}`, path }))));
    process.stderr.write(`evaluating ${refs.length} cases, ${rounds} rounds, backend ${backendLabel(backend)}\n`);
    const seed = flags.number('seed', { integer: true }) ?? 0;
    const roiMargin = flags.number('roi-margin', { integer: true, min: 0, max: 1000 });
    const user = { minClicks: flags.number('min-clicks', { integer: true, min: 0, max: 1000 }) ?? 0, ...(roiMargin === undefined ? {} : { roiMargin }) };
    const cases: CaseEvaluation[] = [];
    for (const ref of refs) {
      const c = await loadCase(ref, pnet.config.preprocess);
      if (!c.label) throw new UsageError(`evaluate: case ${c.id} has no label`);
      const e = await evaluateCase(c, pnet, rnet, rounds, seed, user);
      cases.push(e);
      process.stdout.write(
        `${e.id} (${e.region})  Dice/ASSD  P-Net ${fmt(e.pnet)}  +CRF ${fmt(e.pnetCrf)}${e.rounds.map((r, i) => `  round ${i + 1} ${fmt(r)} (${r.fgSeeds + r.bgSeeds} clicks)`).join('')}\n`,
      );
    }
    const report = summarise(cases);
    const m = report.mean;
    process.stdout.write(`mean  Dice/ASSD  P-Net ${fmt(m.pnet)}  +CRF ${fmt(m.pnetCrf)}${m.rounds.map((r, i) => `  round ${i + 1} ${fmt(r)}`).join('')}\n`);
    if (json) {
      mkdirSync(dirname(json), { recursive: true });
      writeFileSync(`${json}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
      renameSync(`${json}.tmp`, json);
    }
  },
};
