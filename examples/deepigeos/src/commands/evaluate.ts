/**
 * `deepigeos evaluate`: Dice/ASSD/HD95 after P-Net, CRF-Net(f) and R simulated refinement rounds,
 * clicks and time per round, NoC@85/NoC@90; per-case CSV, JSON and an HTML report.
 * @module
 */
import { initBackend } from '@deepigeos/pnet';
import { backendLabel } from '../cli/backend-label.js';
import type { Command } from '../cli/command.js';
import { StageProgress } from '../cli/progress.js';
import { loadCase } from '../data/load.js';
import { checkOutputs, cleanupOnSignal, removeFileTemps } from '../cli/outputs.js';
import { UsageError } from '../errors.js';
import { evaluationCsv, renderEvaluationReport, writeTextAtomic } from '../pipeline/eval-report.js';
import { type CaseEvaluation, DEFAULT_MIN_CLICKS, evaluateCase, NOC_CAP, type Score, summarise, type UserProtocol } from '../pipeline/evaluate.js';
import { checkNetPair, loadTrainedNet, reportingProgress, type TrainedNet } from '../pipeline/networks.js';
import { datasetCases } from '../train/cases.js';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA } from '../train/schema.js';
import { DATA_FLAGS, dataFromFlags } from './data-flags.js';
import { checkOutputsApart } from './refine.js';
import { TTA_FLAGS, ttaFromFlags } from './tta-flag.js';

/** Test-time flips for the log line: "none" or the flipped spatial axes. */
const describeFlips = (axes: readonly number[] | undefined) => (axes?.length ? `over spatial axes ${axes.join(', ')}` : 'none');
const fmt = (s: Score | null) =>
  s ? `${s.dice.toFixed(4)} / ${s.assd === null ? '–' : s.assd.toFixed(2)} / ${s.hd95 === null ? '–' : s.hd95.toFixed(2)}` : '–';

/** The `evaluate` command. */
export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Dice/ASSD/HD95 after P-Net, CRF-Net(f) and R simulated refinement rounds, clicks, time and NoC@85/90; CSV, JSON and HTML report.',
  usage: '--images GLOB --labels GLOB --pnet DIR [--rnet DIR] --rounds R [--csv FILE] [--json FILE] [--report FILE.html]',
  flags: {
    ...DATA_FLAGS,
    pnet: { type: 'string', value: 'DIR', help: 'trained P-Net folder' },
    rnet: { type: 'string', value: 'DIR', help: 'trained R-Net folder (needed for rounds > 0)' },
    rounds: { type: 'string', value: 'R', help: 'simulated refinement rounds (default 0 without --rnet, 1 with)' },
    csv: { type: 'string', value: 'FILE', help: 'per-case CSV: one row per case (and slice) and stage with Dice, ASSD, HD95, clicks, seconds, NoC@85/90' },
    json: { type: 'string', value: 'FILE', help: 'JSON { settings, cases: [...], mean: {...}, meanSlices? }' },
    report: { type: 'string', value: 'FILE', help: 'self-contained HTML report with the Dice-vs-clicks curves' },
    user: {
      type: 'string',
      value: 'KIND',
      help: "simulated user: paper (default: the paper's rule, plus a click at the largest error when it places none; see --min-clicks) | single (one click per round at the largest error region)",
    },
    encoding: { type: 'string', value: 'KIND', help: "seed encoding: geodesic (default: the R-Net's training λ) | euclidean (λ = 0; the paper's ablation)" },
    ...TTA_FLAGS,
    seed: { type: 'string', value: 'S', help: 'seed of the simulated user (default 0)' },
    'min-clicks': {
      type: 'string',
      value: 'N',
      help: "--user paper: fewest clicks per round while errors remain (default 1: also the largest error region when the paper's rule clicks none, as the demo; 0 = the paper's rule alone)",
    },
    'roi-margin': {
      type: 'string',
      value: 'M',
      help: "3D with --rnet: segment inside the reference's bounding box grown by M voxels (a user-drawn box); default: whole volume",
    },
    'refine-margin': {
      type: 'string',
      value: 'M',
      help: "refine each round only in the box around that round's clicks grown by M voxels, as `deepigeos refine` does (fast on large volumes); default: the whole image",
    },
    backend: { type: 'string', value: 'NAME', help: 'auto (default) | wasm | cpu' },
  },
  details: () =>
    [
      'A 2D pipeline on 3D cases runs P-Net on every slice along its training slice axis and the simulated rounds on',
      'every slice holding foreground (each slice its own user); the case scores are those of the stacked volume',
      '(slices without foreground keep P-Net\'s result), the per-slice scores are listed too (JSON "slices", CSV rows',
      'with region "slice"). ASSD and HD95 are in mm (voxel spacing); "–"/empty when undefined (empty mask).',
      "Simulated users: --user paper = the paper's rule (one click per started 100 voxels of each error region of",
      '≥ 30 voxels); with --min-clicks N (default 1) it also clicks the interior-most voxel of the largest remaining',
      'error regions until N clicks are placed: a person clicks the worst mistake even when it is small, and residual',
      "errors of a good result are mostly split into regions under 30 voxels. --min-clicks 0 = the paper's rule alone.",
      '--user single = the one-click-at-a-time protocol: each round one click at the interior-most voxel of the',
      'largest error region (use --rounds 20 for NoC). A round without clicks keeps the',
      `previous result. NoC@85/NoC@90: clicks so far when Dice first reaches 0.85/0.90 (0 if P-Net does; ${NOC_CAP} if never).`,
    ].join('\n'),
  async run(flags) {
    const pnetDir = flags.required('pnet');
    const rnetDir = flags.string('rnet');
    const rounds = flags.number('rounds', { integer: true, min: 0, max: 100 }) ?? (rnetDir ? 1 : 0);
    if (rounds > 0 && !rnetDir) throw new UsageError(`evaluate: --rounds ${rounds} needs --rnet DIR (R-Net refines the result)`);
    const protocol = (flags.string('user') ?? 'paper') as UserProtocol;
    if (protocol !== 'paper' && protocol !== 'single') throw new UsageError(`evaluate: --user must be paper or single, got ${JSON.stringify(protocol)}`);
    if (protocol === 'single' && flags.has('min-clicks')) throw new UsageError('evaluate: --min-clicks applies to --user paper only (--user single clicks once per round)');
    const tta = ttaFromFlags(flags, 'evaluate');
    const encoding = flags.string('encoding') ?? 'geodesic';
    if (encoding !== 'geodesic' && encoding !== 'euclidean') throw new UsageError(`evaluate: --encoding must be geodesic or euclidean, got ${JSON.stringify(encoding)}`);
    const outputs = (['csv', 'json', 'report'] as const).map((k) => [`--${k}`, flags.string(k)] as [string, string | undefined]);
    checkOutputsApart('evaluate', outputs, []);
    const files = outputs.filter((o): o is [string, string] => o[1] !== undefined).map(([flag, path]) => ({ flag, path, kind: 'file' as const }));
    checkOutputs('evaluate', files, [{ flag: '--pnet', path: pnetDir }, ...(rnetDir ? [{ flag: '--rnet', path: rnetDir }] : [])]);
    const removeTemps = () => {
      for (const f of files) removeFileTemps(f.path);
    };
    removeTemps();
    cleanupOnSignal(removeTemps);
    const requested = flags.string('backend') ?? 'auto';
    const backend = await initBackend(requested === 'auto' ? undefined : requested);
    const progress = new StageProgress('evaluate');
    // 3D nets report their windows, so a long case shows it is alive (each pass counts from 0).
    const withProgress = (net: TrainedNet): TrainedNet =>
      net.config.dim === 3 ? reportingProgress(net, (d, t) => progress.update(d, t)) : net;
    const pnet = withProgress(await loadTrainedNet(pnetDir, '--pnet', TRAIN_PNET_SCHEMA, tta));
    const rnet = rnetDir ? withProgress(await loadTrainedNet(rnetDir, '--rnet', TRAIN_RNET_SCHEMA, tta)) : undefined;
    if (rnet && encoding === 'euclidean' && (rnet.config.lambda ?? 1) !== 0) {
      process.stderr.write(`evaluate: note: --encoding euclidean feeds Euclidean maps to an R-Net trained with geodesic λ = ${rnet.config.lambda ?? 1} (train one with --lambda 0 for the paper's ablation)\n`);
    }
    if (rnet) checkNetPair(pnet, rnet, pnetDir, rnetDir!);
    const refs = datasetCases(dataFromFlags(flags, pnet.config.data));
    checkOutputs('evaluate', files, refs.flatMap((r) => [...r.images, ...(r.label ? [r.label] : [])].map((path) => ({ flag: `case ${r.id}`, path }))));
    process.stderr.write(`evaluating ${refs.length} cases, ${rounds} rounds, user ${protocol}, ${encoding} encoding, test-time flips ${describeFlips(pnet.flipAxes)}, backend ${backendLabel(backend)}\n`);
    const seed = flags.number('seed', { integer: true }) ?? 0;
    const roiMargin = flags.number('roi-margin', { integer: true, min: 0, max: 1000 });
    const refineMargin = flags.number('refine-margin', { integer: true, min: 0, max: 10000 });
    const user = {
      minClicks: flags.number('min-clicks', { integer: true, min: 0, max: 1000 }) ?? DEFAULT_MIN_CLICKS,
      protocol,
      encoding: encoding as 'geodesic' | 'euclidean',
      ...(roiMargin === undefined ? {} : { roiMargin }),
      ...(refineMargin === undefined ? {} : { refineMargin }),
      onImage: (done: number, total: number) => progress.update(done, total),
    };
    const cases: CaseEvaluation[] = [];
    for (const [n, ref] of refs.entries()) {
      progress.start(`case ${n + 1}/${refs.length} (${ref.id})`);
      const c = await loadCase(ref, pnet.config.preprocess);
      if (!c.label) throw new UsageError(`evaluate: case ${c.id} has no label`);
      const e = await evaluateCase(c, pnet, rnet, rounds, seed, user);
      cases.push(e);
      process.stdout.write(
        `${e.id} (${e.region})  Dice/ASSD/HD95  P-Net ${fmt(e.pnet)}  +CRF ${fmt(e.pnetCrf)}${e.rounds.map((r, i) => `  round ${i + 1} ${fmt(r)} (${r.fgSeeds + r.bgSeeds} clicks, ${r.seconds.toFixed(1)} s)`).join('')}  NoC@85 ${e.noc85} NoC@90 ${e.noc90}\n`,
      );
    }
    progress.done();
    const report = summarise(cases, {
      protocol,
      minClicks: protocol === 'single' ? 1 : user.minClicks,
      encoding: user.encoding,
      rounds,
      nocCap: NOC_CAP,
      ...(refineMargin === undefined ? {} : { refineMargin }),
      flipAxes: { pnet: pnet.flipAxes ?? [], ...(rnet ? { rnet: rnet.flipAxes ?? [] } : {}) },
    });
    for (const [name, m] of [['mean', report.mean], ['mean over slices', report.meanSlices]] as const) {
      if (!m) continue;
      process.stdout.write(
        `${name}  Dice/ASSD/HD95  P-Net ${fmt(m.pnet)}  +CRF ${fmt(m.pnetCrf)}${m.rounds.map((r, i) => `  round ${i + 1} ${fmt(r)} (${r.clicks.toFixed(1)} clicks so far)`).join('')}  NoC@85 ${m.noc85.toFixed(2)} NoC@90 ${m.noc90.toFixed(2)}\n`,
      );
    }
    const [csv, json, html] = outputs.map(([, f]) => f);
    if (csv) writeTextAtomic(csv, evaluationCsv(cases));
    if (json) writeTextAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
    if (html) writeTextAtomic(html, renderEvaluationReport(report));
    const written = [csv, json, html].filter(Boolean);
    if (written.length) process.stdout.write(`wrote ${written.join(', ')}\n`);
  },
};
